// "Sign in with Microsoft": /auth/login starts the OpenID Connect flow, /auth/callback finishes it and
// signs the user in (and, for a listed admin, into the console).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { StringEnum } from '@saas-fulfillment/contract';
import { localPath, withQuery } from '@saas-fulfillment/web';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { AdminAuth } from '../auth/admin.js';
import type { OidcSignIn } from '../auth/oidc.js';
import { entraKey } from '../auth/sessions.js';

const LoginQuery = Type.Object({ next: Type.Optional(Type.String({ maxLength: 500 })), for: Type.Optional(StringEnum(['user', 'admin'])) });
/** The identity provider's answer; openid-client reads it from the full callback URL. */
const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4000 })),
  state: Type.Optional(Type.String({ maxLength: 500 })),
  error: Type.Optional(Type.String({ maxLength: 500 })),
  error_description: Type.Optional(Type.String({ maxLength: 2000 })),
});

export async function signInRoutes(instance: FastifyInstance, deps: { signIn: OidcSignIn; auth: AdminAuth }): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/auth/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
    const purpose = request.query.for ?? 'user';
    return deps.signIn.start(reply, localPath(request.query.next, purpose === 'admin' ? '/admin' : '/'), purpose);
  });

  app.get('/auth/callback', { schema: { querystring: CallbackQuery } }, async (request, reply) => {
    const { user, next, purpose } = await deps.signIn.finish(request, reply);
    if (purpose === 'admin') {
      const admission = await deps.auth.admit(user);
      if (!admission.admitted) {
        request.log.warn({ ip: request.ip, user: user.email, tenantId: user.tenantId, objectId: user.objectId }, 'console sign-in refused: not a listed admin');
        return reply.redirect(withQuery('/admin/login', { error: `${admission.reason}.` }), 303);
      }
      if (admission.firstUseOf)
        request.log.warn(
          { entry: admission.firstUseOf, replaceWith: entraKey(admission.session) },
          'ADMIN_OIDC_USERS lists this admin by e-mail: now bound to the account that signed in; list it as tenantId/objectId instead',
        );
      await deps.auth.signIn(request, admission.session);
      request.log.info({ ip: request.ip, admin: user.email, objectId: user.objectId }, 'console sign-in with Entra ID');
    } else {
      await request.session.regenerate();
    }
    request.session.set('user', user);
    return reply.redirect(next, 303);
  });
}
