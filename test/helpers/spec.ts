// Validates emulator responses against Microsoft's official OpenAPI files in ../shared/spec: the status
// must be one the operation declares, and a body must match the declared schema.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPEC_DIR = process.env.SPEC_DIR ?? path.resolve(root, '../shared/spec');

interface OpenApiOperation {
  operationId: string;
  responses: Record<string, { content?: { 'application/json'?: { schema?: object } } }>;
}
interface OpenApi {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);

function load(file: string, id: string): OpenApi {
  const spec = JSON.parse(readFileSync(path.join(SPEC_DIR, file), 'utf8')) as OpenApi;
  ajv.addSchema(spec, id);
  return spec;
}

const specs = { saas: load('saasapi.v2.json', 'saas'), metering: load('meteringapi.v1.json', 'metering') };

interface Route {
  method: string;
  pattern: RegExp;
  operation: OpenApiOperation;
  specId: keyof typeof specs;
  path: string;
}

const routes: Route[] = Object.entries(specs).flatMap(([specId, spec]) =>
  Object.entries(spec.paths).flatMap(([p, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${p.replace(/\/$/, '').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
      operation,
      specId: specId as keyof typeof specs,
      path: p,
    })),
  ),
);

/** The spec operation for a request under /api, preferring literal segments (resolve) over parameters. */
export function specOperation(method: string, apiPath: string): Route | undefined {
  const matches = routes.filter((r) => r.method === method && r.pattern.test(apiPath));
  return matches.sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0))[0];
}

export class SpecViolation extends Error {}

/**
 * The spec makes api-version required on every operation yet declares no 400 for some of them; the
 * service answers a missing or wrong version with 400 before the operation runs (reference §1).
 */
function isApiVersionError(body: unknown): boolean {
  const code = (body as { code?: unknown } | undefined)?.code;
  return code === 'ApiVersionUnspecified' || code === 'UnsupportedApiVersion';
}

/** Answers HTTP gives before any operation runs (body too large, wrong media type); no spec lists them. */
const TRANSPORT_STATUSES = new Set([413, 415]);

/** Throws unless `status` is declared for the operation and `body` matches its schema. */
export function assertMatchesSpec(method: string, apiPath: string, status: number, body: unknown): string {
  const route = specOperation(method, apiPath);
  if (!route) throw new SpecViolation(`${method} ${apiPath} is not an operation of the official spec`);
  const response = route.operation.responses[String(status)];
  if (!response && TRANSPORT_STATUSES.has(status)) return route.operation.operationId;
  if (!response && status === 400 && isApiVersionError(body)) return route.operation.operationId;
  if (!response) {
    throw new SpecViolation(`${route.operation.operationId} answered ${status}, which the spec does not declare (${Object.keys(route.operation.responses).join(', ')})`);
  }
  const schema = response.content?.['application/json']?.schema as { $ref?: string } | undefined;
  if (schema?.$ref) {
    const validate = ajv.getSchema(`${route.specId}${schema.$ref}`);
    if (!validate) throw new SpecViolation(`cannot resolve ${schema.$ref}`);
    if (!validate(body)) {
      throw new SpecViolation(`${route.operation.operationId} ${status} body does not match ${schema.$ref}: ${ajv.errorsText(validate.errors)}`);
    }
  }
  return route.operation.operationId;
}
