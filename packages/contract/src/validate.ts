// Validation of untrusted JSON against a contract schema, with errors that name the offending field
// the way a person writes it (`publishers[0].offers[1].planId`).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from 'typebox';
import { useInstantFormats } from './instant.js';

// ajv-formats ships CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

// Made with the first check: Ajv takes tens of milliseconds to set up, and a server may start without one.
let ajv: Ajv | undefined;

/** The Ajv the contract's checks use, with its formats (`date-time` as the API reads instants). */
// verbose: an error carries the schema it broke, so an unknown field can be told the known one it resembles.
export const contractAjv = (): Ajv => (ajv ??= useInstantFormats(addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false, verbose: true }))));

export interface FieldError {
  /** Dotted path of the field, `''` for the value itself. */
  field: string;
  message: string;
}

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Checks `value` against `schema`; returns the field errors, empty when it conforms. A field the schema
 * does not take comes first: it is most often a misspelling of one that is then reported missing.
 */
export function validate(schema: TSchema, value: unknown): FieldError[] {
  let check = compiled.get(schema);
  if (!check) {
    check = contractAjv().compile(schema);
    compiled.set(schema, check);
  }
  if (check(value)) return [];
  const errors = [...(check.errors ?? [])];
  return [...errors.filter((e) => e.keyword === 'additionalProperties'), ...errors.filter((e) => e.keyword !== 'additionalProperties')].map(toFieldError);
}

export function toFieldError(error: ErrorObject): FieldError {
  let field = jsonPointerToPath(error.instancePath);
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty?: string }).missingProperty);
    field = field ? `${field}.${missing}` : missing;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    const unknown = String((error.params as { additionalProperty?: string }).additionalProperty);
    field = field ? `${field}.${unknown}` : unknown;
    const known = Object.keys((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
    const meant = known.find((name) => name.toLowerCase() === unknown.toLowerCase()) ?? known.find((name) => closeTo(name, unknown));
    message = `is not a field here${meant ? `; did you mean ${meant}?` : known.length ? ` (the fields: ${known.join(', ')})` : ''}`;
  } else if (error.keyword === 'enum') {
    message = `must be one of ${((error.params as { allowedValues?: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { field, message };
}

/** Whether two names differ by at most one letter added, dropped, changed or two swapped (`staus`, `status`). */
function closeTo(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return a === b;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const swapped = a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  return swapped || a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i);
}

/** `/publishers/0/offers` -> `publishers[0].offers`. */
export function jsonPointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/** One line per error, each naming its field under `root`. */
export function describeErrors(root: string, errors: readonly FieldError[]): string {
  return errors.map((e) => `${e.field ? `${root}.${e.field}` : root} ${e.message}`).join('\n');
}
