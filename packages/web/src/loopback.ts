// Tools meant for the developer's own machine (the simulator's control API and pages) answer loopback
// callers only, unless the app was started to allow others, and only requests addressed to a name the
// app is known by: a web page that rebinds its own name to 127.0.0.1 (DNS rebinding) reaches the
// socket, but with its own name in the Host header, and is turned away.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '@saas-fulfillment/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/**
 * Whether a request came from this machine itself, not relayed: a proxy on the same host (nginx in front
 * of the app) connects from loopback too, but says whom it relays for.
 */
export function isDirectLoopback(request: FastifyRequest): boolean {
  return isLoopback(request.socket.remoteAddress) && request.headers['x-forwarded-for'] === undefined && request.headers.forwarded === undefined;
}

export interface LocalTool {
  /** Let callers from other machines in (`--simulator-remote`). */
  allowRemote: boolean;
  /** The Host values the app answers to; an empty list while it is not listening (in-process calls). */
  hosts: () => readonly string[];
  /**
   * A token every caller must show, for a machine other people use too (a shared CI host): the JSON API
   * as a Bearer token, the pages as a cookie they get by typing it once. Unset, loopback is the guard.
   */
  controlToken?: string | undefined;
}

/** The cookie that carries the control token's proof for the pages: a hash of it, never the token. */
export const CONTROL_COOKIE = 'simulator-control';

/** What the control cookie holds for `token`. */
export const controlProof = (token: string): string => createHash('sha256').update(`simulator pages\n${token}`).digest('base64url');

/** Whether `given` is `expected`, compared in constant time. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Guards every route of `app` (a plugin scope): loopback callers, known Host names, and the control token
 * when one is set (`pages` scopes check its cookie themselves: they lead a browser to a form instead).
 */
export function localToolOnly(app: FastifyInstance, tool: LocalTool, what: string, kind: 'api' | 'pages' = 'api'): void {
  app.addHook('onRequest', async (request) => {
    if (!tool.allowRemote && !isLoopback(request.socket.remoteAddress))
      throw new ApiError(403, 'Forbidden', `${what} answers loopback callers only (start the emulator with --simulator-remote to change that)`);
    const hosts = tool.hosts();
    const host = request.headers.host?.toLowerCase() ?? '';
    if (hosts.length > 0 && !hosts.includes(host))
      throw new ApiError(421, 'MisdirectedRequest', `${what} answers requests for ${hosts.join(', ')} only, not '${host}' (--public-url adds a name)`, 'host');
    if (kind === 'api' && tool.controlToken !== undefined && !sameSecret(/^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1], tool.controlToken))
      throw new ApiError(
        401,
        'ControlTokenRequired',
        `${what} needs this emulator's control token as a Bearer token (the command line sends SIMULATOR_CONTROL_TOKEN, or --control-token)`,
        'authorization',
      );
  });
}

/** The Host values of an app listening on `address`, plus the public URL's: loopback names at its port. */
export function hostsOf(address: ReturnType<FastifyInstance['server']['address']>, publicUrl: string | undefined): string[] {
  if (!address || typeof address === 'string') return [];
  const names = ['localhost', '127.0.0.1', '[::1]'];
  if (address.address !== '0.0.0.0' && address.address !== '::') names.push(address.family === 'IPv6' ? `[${address.address}]` : address.address);
  const hosts = names.flatMap((name) => (address.port === 80 ? [name, `${name}:80`] : [`${name}:${address.port}`]));
  if (publicUrl) hosts.push(new URL(publicUrl).host.toLowerCase());
  return hosts;
}
