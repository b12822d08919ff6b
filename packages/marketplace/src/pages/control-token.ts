// The pages of an emulator started with a control token (a shared CI host): a browser without the token's
// cookie is led to a form that asks for it once; with it, a cookie (HttpOnly, SameSite=Strict, holding a
// hash of the token) lets it through the pages from then on.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CONTROL_COOKIE, controlProof, sameSecret, withQuery } from '@saas-fulfillment/web';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { PageQuery, sendPage, type SimulatorPageDeps } from './frame.js';
import { controlTokenPage } from './views/control-token.js';

const TokenForm = Type.Object({ token: Type.String({ maxLength: 500 }), next: Type.Optional(Type.String({ maxLength: 2000 })) });
const TokenQuery = Type.Object({ ...PageQuery.properties, next: Type.Optional(Type.String({ maxLength: 2000 })) });
const FORM = '/control-token';

/** A path on this emulator to go back to (never another site: `//host` and `/\host` are not paths here). */
const localPath = (next: string | undefined) => (next && /^\/(?![/\\])/.test(next) ? next : '/');

export async function controlTokenPages(instance: FastifyInstance, deps: SimulatorPageDeps): Promise<void> {
  const token = deps.localTool.controlToken;
  if (token === undefined) return;
  const proof = controlProof(token);
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const shown = (request: FastifyRequest) => sameSecret(request.cookies[CONTROL_COOKIE], proof);

  instance.addHook('onRequest', async (request, reply) => {
    if (request.url === FORM || request.url.startsWith(`${FORM}?`) || shown(request)) return;
    if (request.method === 'GET') return reply.redirect(withQuery(FORM, { next: request.url }), 303);
    return sendPage(reply, deps.clock, { error: 'This emulator asks for its control token first.' }, 'Control token', controlTokenPage('/'), { status: 401 });
  });

  app.get(FORM, { schema: { querystring: TokenQuery } }, async (request, reply) =>
    sendPage(reply, deps.clock, request.query, 'Control token', controlTokenPage(localPath(request.query.next))),
  );

  app.post(FORM, { schema: { body: TokenForm } }, async (request, reply) => {
    const next = localPath(request.body.next);
    if (!sameSecret(request.body.token.trim(), token))
      return sendPage(reply, deps.clock, { error: "That is not this emulator's control token." }, 'Control token', controlTokenPage(next), { status: 401 });
    reply.setCookie(CONTROL_COOKIE, proof, { httpOnly: true, sameSite: 'strict', path: '/', secure: deps.forms.secureCookies });
    return reply.redirect(next, 303);
  });
}
