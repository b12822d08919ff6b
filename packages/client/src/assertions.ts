// Credentials that do not expire silently: a certificate (the app signs a short-lived client assertion
// with its private key; Entra finds the certificate by thumbprint) and a federated credential (a token
// from the platform's identity provider, read from a file that the platform keeps fresh: workload
// identity). Both send `client_assertion` instead of a secret. Only node:crypto is used: no JWT library.
import { createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type CredentialHealth, EntraCredential, type EntraCredentialOptions } from './credentials.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Entra accepts assertions up to 10 minutes long; a short one is useless if stolen. */
const ASSERTION_LIFETIME_S = 5 * 60;

export interface ClientCertificateCredentialOptions extends EntraCredentialOptions {
  /** PEM holding the certificate and its private key (as Azure SDKs take it), or give `certificatePath`. */
  certificate?: string;
  certificatePath?: string;
}

/**
 * Authenticates with a certificate registered on the app: no secret to expire unnoticed, and
 * `health()` tells when the certificate itself does.
 *
 * @example
 * const credential = new ClientCertificateCredential({ tenantId, clientId, certificatePath: '/run/secrets/marketplace.pem' });
 */
export class ClientCertificateCredential extends EntraCredential {
  private readonly certificate: X509Certificate;
  private readonly key: KeyObject;

  constructor(options: ClientCertificateCredentialOptions) {
    super(options, 'certificate');
    const pem = options.certificate ?? (options.certificatePath ? readFileSync(options.certificatePath, 'utf8') : undefined);
    if (!pem) throw new TypeError('ClientCertificateCredential: certificate or certificatePath is required');
    try {
      this.certificate = new X509Certificate(pem);
      this.key = createPrivateKey(pem);
    } catch (cause) {
      throw new TypeError('ClientCertificateCredential: the PEM must hold the certificate and its private key', { cause });
    }
    if (!this.certificate.checkPrivateKey(this.key)) throw new TypeError("ClientCertificateCredential: the private key is not the certificate's");
  }

  protected async clientAuthentication(tokenUrl: string): Promise<Record<string, string>> {
    const header = {
      alg: this.key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256',
      typ: 'JWT',
      x5t: thumbprint(this.certificate, 'sha1'),
      'x5t#S256': thumbprint(this.certificate, 'sha256'),
    };
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const clientId = this.health().clientId;
    const claims = { aud: tokenUrl, iss: clientId, sub: clientId, jti: randomUUID(), iat: now, nbf: now, exp: now + ASSERTION_LIFETIME_S };
    return { client_assertion_type: JWT_BEARER, client_assertion: signJwt(header, claims, this.key) };
  }

  override health(): CredentialHealth {
    return {
      ...super.health(),
      certificateExpiresAt: new Date(this.certificate.validTo).toISOString(),
      certificateThumbprint: this.certificate.fingerprint256.replace(/:/g, ''),
    };
  }
}

export interface WorkloadIdentityCredentialOptions extends EntraCredentialOptions {
  /** The file the platform writes the token to (AZURE_FEDERATED_TOKEN_FILE); read again for every request. */
  tokenFilePath: string;
}

/**
 * Exchanges the platform's token (Kubernetes workload identity, a CI job's OIDC token) for a marketplace
 * token through a federated credential on the app: nothing secret is stored at all.
 */
export class WorkloadIdentityCredential extends EntraCredential {
  constructor(private readonly workload: WorkloadIdentityCredentialOptions) {
    if (!workload.tokenFilePath) throw new TypeError('WorkloadIdentityCredential: tokenFilePath is required');
    super(workload, 'federated');
  }

  protected async clientAuthentication(): Promise<Record<string, string>> {
    const assertion = (await readFile(this.workload.tokenFilePath, 'utf8')).trim();
    return { client_assertion_type: JWT_BEARER, client_assertion: assertion };
  }
}

function thumbprint(certificate: X509Certificate, algorithm: 'sha1' | 'sha256'): string {
  const hex = (algorithm === 'sha1' ? certificate.fingerprint : certificate.fingerprint256).replace(/:/g, '');
  return Buffer.from(hex, 'hex').toString('base64url');
}

/** A compact JWS: RS256 (RSA, PKCS#1 v1.5) or ES256 (P-256, raw r||s as JWS wants it). */
function signJwt(header: Record<string, string>, claims: Record<string, string | number>, key: KeyObject): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(input), key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}
