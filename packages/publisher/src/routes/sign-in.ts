// "Sign in with Microsoft": /auth/login starts the OpenID Connect flow, /auth/callback finishes it and
// signs the user in (and, for a listed admin, into the console).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { StringEnum, type Clock } from '@saas-fulfillment/contract';
import { withQuery } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { AdminAuth } from '../auth/admin.js';
import { localPath, setUserSession, type OidcSignIn } from '../auth/oidc.js';

const LoginQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })), for: Type.Optional(StringEnum(['user', 'admin'])) });
/** The identity provider's answer; openid-client reads it from the full callback URL. */
const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4000 })),
  state: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 500 })),
  error_description: Type.Optional(Type.String({ maxLength: 2000 })),
});

export async function signInRoutes(
  instance: FastifyInstance,
  deps: { signIn: OidcSignIn; auth: AdminAuth; adminUsers: readonly string[]; secureCookies: boolean; clock: Clock },
): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/auth/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
    const purpose = request.query.for ?? 'user';
    return deps.signIn.start(request, reply, localPath(request.query.next, purpose === 'admin' ? '/admin' : '/'), purpose);
  });

  app.get('/auth/callback', { schema: { querystring: CallbackQuery } }, async (request, reply) => {
    const { user, next, purpose } = await deps.signIn.finish(request, reply);
    if (purpose === 'admin') {
      if (!deps.adminUsers.includes(user.email.toLowerCase()))
        return reply.redirect(withQuery('/admin/login', { error: `${user.email} may not use the console.` }), 303);
      deps.auth.startSession(reply, deps.secureCookies);
      request.log.info({ admin: user.email }, 'admin signed in with Entra ID');
    }
    setUserSession(request, reply, user, deps.clock);
    return reply.redirect(next, 303);
  });
}
