// What a JSON API route declares it answers: its own statuses with their bodies' schemas, and the refusal
// body every 4xx carries (the code, a message, the field it is about). Declared, they serialize the
// answers, document them, and type what a handler may return.
import { ErrorBody } from '@saas-fulfillment/contract';
import Type, { type TSchema } from 'typebox';

/** An answer with no body (202, 204). */
export const NO_BODY = Type.Null({ description: 'no body' });

/** A route's answers: `own`, and the refusals any call may get (503: the database is away for now, with Retry-After). */
export const answers = <T extends Record<number, TSchema>>(own: T) => ({ 503: ErrorBody, ...own, '4xx': ErrorBody }) as const;
