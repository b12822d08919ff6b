// The simulator as a workload identity provider (what a Kubernetes service account or a CI job gets from
// its platform): a signed token for a subject, with the audience Entra's token exchange expects, for an
// app's federated credential to turn into a marketplace token. Written to a file, it is what
// AZURE_FEDERATED_TOKEN_FILE points at.
import { SignJWT } from 'jose';
import Type from 'typebox';
import type { PendingSigningKey } from './keys.js';
import { TOKEN_EXCHANGE_AUDIENCE } from './client-auth.js';

export const WorkloadTokenRequest = Type.Object({
  subject: Type.String({ minLength: 1, maxLength: 200 }),
  audience: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  lifetimeSeconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400 })),
});
export type WorkloadTokenRequest = Type.Static<typeof WorkloadTokenRequest>;

export async function issueWorkloadToken(key: PendingSigningKey, issuer: string, request: WorkloadTokenRequest, now: Date) {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + (request.lifetimeSeconds ?? 3600);
  const { kid, privateKey } = await key;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject(request.subject)
    .setAudience(request.audience ?? TOKEN_EXCHANGE_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(privateKey);
  return { token, issuer, subject: request.subject, expiresAt: new Date(expiresAt * 1000).toISOString() };
}
