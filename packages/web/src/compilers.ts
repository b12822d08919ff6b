// Schemas compiled once per process instead of once per app: the emulator and the publisher under `dev`,
// and the hundreds of apps a test run starts, share their validators and serializers. Route schemas are
// module-level constants, so a compiled function is found again by the schema object itself.
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type SerializerFactory = ReturnType<typeof SerializerSelector>;
type Serializer = ReturnType<ReturnType<SerializerFactory>>;

const compileSerializer = SerializerSelector();
/** Compiled serializers by the options they were compiled with, then by schema object. */
const serializers = new Map<string, WeakMap<object, Serializer>>();

/** Serializers from fast-json-stringify, each schema compiled once per set of options. */
const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  const compile = compileSerializer(externalSchemas, options);
  const key = JSON.stringify([externalSchemas ?? {}, options ?? {}]);
  const cache = serializers.get(key) ?? new WeakMap<object, Serializer>();
  serializers.set(key, cache);
  return (route) => {
    const schema = route.schema;
    if (typeof schema !== 'object' || schema === null) return compile(route);
    const serializer = cache.get(schema) ?? compile(route);
    cache.set(schema, serializer);
    return serializer;
  };
};

/**
 * Fastify's `schemaController.compilersFactory` for every app of this process. The validator pool keeps one
 * Ajv per set of options, and Ajv keeps what it compiled by schema object.
 */
export const sharedCompilers = { buildValidator: AjvCompiler(), buildSerializer };
