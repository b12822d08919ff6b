// Schemas compiled once per process instead of once per app, and each only when its route is first used:
// the emulator and the publisher under `dev`, and the hundreds of apps a test run starts, share their
// validators and serializers, and a process that answers a few routes compiles a few. Route schemas are
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
    const found = cache.get(schema);
    if (found) return found;
    let compiled: Serializer | undefined;
    const serializer: Serializer = (data) => {
      if (compiled === undefined) {
        compiled = compile(route);
        cache.set(schema, compiled);
      }
      return compiled(data);
    };
    cache.set(schema, serializer);
    return serializer;
  };
};

type ValidatorFactory = ReturnType<typeof AjvCompiler>;
type Validator = ReturnType<ReturnType<ValidatorFactory>>;
const compileValidator = AjvCompiler();

/**
 * Ajv validators compiled on first use. Fastify hands an Ajv validator (one with `schemaEnv`) the request
 * as the value's parent, so Ajv may coerce the value in place, and reads `errors` off the function after a
 * failed call: the stand-in does both.
 */
const buildValidator: ValidatorFactory = (externalSchemas, options) => {
  const compile = compileValidator(externalSchemas, options);
  return (route) => {
    let compiled: Validator | undefined;
    const validate = ((data: unknown, parent: unknown) => {
      compiled ??= compile(route);
      const result = (compiled as (data: unknown, parent: unknown) => unknown)(data, parent);
      validate.errors = (compiled as { errors?: unknown }).errors;
      return result;
    }) as ((data: unknown, parent: unknown) => unknown) & { errors?: unknown; schemaEnv: true };
    validate.schemaEnv = true;
    return validate as unknown as Validator;
  };
};

/**
 * Fastify's `schemaController.compilersFactory` for every app of this process. The validator pool keeps one
 * Ajv per set of options, and Ajv keeps what it compiled by schema object.
 */
export const sharedCompilers = { buildValidator, buildSerializer };
