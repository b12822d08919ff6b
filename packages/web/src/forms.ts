// Form posts on server-rendered pages: every action redirects (303) so a reload never posts twice, and a
// refusal goes back to the page with its message in plain words.
import { ApiError } from '@saas-fulfillment/contract';
import type { FastifyReply } from 'fastify';

/** Runs a form action and redirects: to where it leads, or back to `back` with the error. */
export async function act(reply: FastifyReply, back: string, work: () => Promise<string>) {
  try {
    return reply.redirect(await work(), 303);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return reply.redirect(withQuery(back, { error: error.message }), 303);
  }
}

/** `path` with `query` added (after any it already has). */
export function withQuery(path: string, query: Record<string, string>): string {
  return `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams(query)}`;
}

/** A form field that must hold a whole number (seats), as a number; a clear refusal otherwise. */
export function wholeNumber(value: string | undefined, name: string): number {
  if (!value || !/^\d{1,7}$/.test(value.trim())) throw new ApiError(400, 'BadArgument', `${name} must be a whole number`, name);
  return Number(value);
}

const HERE = 'http://here.invalid';

/**
 * Where to send the browser after a sign-in: `next` when it is a path on this site under `within`,
 * `fallback` otherwise. Browsers read `\` as `/` and drop tabs and newlines, so `/\evil.example` or
 * `/\t/evil.example` would leave the site; the path is resolved as a browser would and must stay here.
 */
export function localPath(next: string | undefined, fallback: string, within = '/'): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (!next?.startsWith('/') || /[\\\u0000-\u001f\u007f]/.test(next)) return fallback;
  const url = new URL(next, HERE);
  if (url.origin !== HERE) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  const inside = within === '/' || url.pathname === within || url.pathname.startsWith(`${within}/`);
  return inside ? path : fallback;
}
