// One Fastify error handler for every app: ApiError, schema-validation failures and body-parser
// failures become a 4xx JSON body that names the field; anything else is a logged 500 without details.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@saas-fulfillment/contract';
import { toFieldError } from '@saas-fulfillment/contract';

const REQUEST_PARTS: Record<string, string> = { body: 'body', params: 'path', querystring: 'query', headers: 'header' };

/** Maps a thrown error to the ApiError the client should see, or undefined for a server fault. */
export function asApiError(error: unknown, bodyLimit: number): ApiError | undefined {
  if (error instanceof ApiError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const first = fastifyError.validation[0];
    const part = fastifyError.validationContext ?? 'body';
    if (!first) return new ApiError(400, 'BadArgument', `The request ${part} is invalid`, part);
    const { field, message } = toFieldError(first as Parameters<typeof toFieldError>[0]);
    const target = field || REQUEST_PARTS[part] || part;
    // A path id that is not a GUID names nothing: every operation with an id in its path declares 404.
    if (part === 'params') return new ApiError(404, 'EntityNotFound', `${target} ${message}, so it names no resource`, target);
    return new ApiError(400, 'BadArgument', `${target} ${message}`, target);
  }
  switch (fastifyError.code) {
    case 'FST_CSRF_MISSING_SECRET':
    case 'FST_CSRF_INVALID_TOKEN':
      return new ApiError(403, 'FormExpired', 'This form has expired or was sent from another page: reload the page and try again', '_csrf');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'RequestEntityTooLarge', `The request body is larger than ${sizeWords(bodyLimit)}, the most this request takes`, 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'UnsupportedMediaType', 'Send the body as application/json', 'content-type');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'InvalidJson', `The request body is not valid JSON: ${fastifyError.message}`, 'body');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'BadRequest', 'Content-Length does not match the body', 'content-length');
  }
  if (error instanceof SyntaxError) return new ApiError(400, 'InvalidJson', `The request body is not valid JSON: ${error.message}`, 'body');
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return new ApiError(status, 'BadRequest', fastifyError.message);
  return undefined;
}

/** A size in the unit people read it in: 64 KiB, 32 MiB, 900 bytes. */
export function sizeWords(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}

/** How soon a caller refused because the database is away is asked to come back. */
const UNAVAILABLE_RETRY_SECONDS = 10;

export type ErrorRenderer = (reply: FastifyReply, error: ApiError, request: FastifyRequest) => unknown;

const renderJson: ErrorRenderer = (reply, error) => reply.status(error.statusCode).send(error.toBody());

/**
 * Installs the error and not-found handlers. `render` lets an HTML area (the simulator pages) show
 * errors as pages; JSON is the default.
 */
export function installErrorHandling(app: FastifyInstance, render: ErrorRenderer = renderJson, isUnavailable?: (error: unknown) => boolean): void {
  const bodyLimit = app.initialConfig.bodyLimit ?? 1_048_576;
  app.setErrorHandler((error, request, reply) => {
    if (isUnavailable?.(error)) {
      // The caller sends it again (Microsoft retries its webhooks, the app its usage): both are idempotent.
      request.log.warn({ err: error }, 'request refused: the database is unavailable');
      return reply
        .status(503)
        .header('retry-after', String(UNAVAILABLE_RETRY_SECONDS))
        .send({
          code: 'ServiceUnavailable',
          message: `The service cannot reach its database now: send the request again in ${UNAVAILABLE_RETRY_SECONDS} seconds.`,
        });
    }
    const apiError = asApiError(error, request.routeOptions.bodyLimit ?? bodyLimit);
    if (apiError) {
      if (apiError.statusCode >= 500) return reply.status(apiError.statusCode).send({ error: { code: apiError.code, message: apiError.message } });
      return render(reply, apiError, request);
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: { code: 'InternalServerError', message: 'The server failed to handle the request; it is safe to retry.' } });
  });
  app.setNotFoundHandler((request, reply) =>
    render(reply, new ApiError(404, 'NotFound', `No resource at ${request.method} ${request.url.split('?')[0] ?? ''}`), request),
  );
}

/**
 * JSON bodies that may be empty (Microsoft's clients send `Content-Type: application/json` on bodiless POSTs),
 * and no text/plain parser, so a body that is not JSON is refused with 415 rather than read as a string.
 */
export function allowEmptyJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    jsonTexts.set(request, body as string);
    return parseJson(request, body as string, done);
  });
}

const jsonTexts = new WeakMap<FastifyRequest, string>();

/** The JSON text a request's body was parsed from, as it came (for a log that shows what was sent). */
export const jsonTextOf = (request: FastifyRequest): string | undefined => jsonTexts.get(request);
