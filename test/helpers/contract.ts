// Checks an answer of the emulator's API against the project's own contract: the status must be one
// the operation documents (or one given before any operation runs), and the body must match its schema.
import { ANSWERS_BEFORE_ANY_OPERATION, findOperation } from '@saas-fulfillment/contract';
import { describeErrors, validate } from '@saas-fulfillment/contract';

export class ContractViolation extends Error {}

/** Throws unless `status` is documented for the operation and `body` matches; returns the operation id. */
export function assertMatchesContract(method: string, apiPath: string, status: number, body: unknown): string {
  const operation = findOperation(method, apiPath);
  if (!operation) throw new ContractViolation(`${method} ${apiPath} is not an operation of the contract`);
  const declared = { ...operation.beyondSpec?.answers, ...operation.answers };
  // A status the operation declares is checked against its body; otherwise it may be a pre-operation answer.
  const answers = status in declared ? declared : ANSWERS_BEFORE_ANY_OPERATION;
  if (!(status in answers)) {
    throw new ContractViolation(`${operation.id} answered ${status}, which it does not document (${Object.keys(declared).join(', ')})`);
  }
  const schema = answers[status];
  if (schema === null) {
    if (body !== undefined) throw new ContractViolation(`${operation.id} ${status} must have no body; got ${JSON.stringify(body).slice(0, 200)}`);
    return operation.id;
  }
  const errors = schema ? validate(schema, body) : [];
  if (errors.length > 0) throw new ContractViolation(`${operation.id} ${status} body does not match the contract:\n${describeErrors('body', errors)}`);
  return operation.id;
}
