// The one error type every app throws for a request it refuses; each app's error handler turns it into
// the marketplace's JSON error body with the right status code.
import type { ErrorBody } from './schemas.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** The request field (path, query, header or body member) the error is about. */
    readonly target?: string,
    readonly details?: ErrorBody['details'],
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.target !== undefined) body.target = this.target;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export const badRequest = (code: string, message: string, target?: string) => new ApiError(400, code, message, target);
