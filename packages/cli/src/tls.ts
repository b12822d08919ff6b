// HTTPS for the emulator, which Microsoft's identity SDKs insist on (an `http://` authority is refused):
// a certificate the user gives (--tls-cert, --tls-key), or with --https a local certificate authority and
// a certificate for the bound host, made once in the data folder and reused (as mkcert or Azurite do).
// The CA file is what a separate process trusts (NODE_EXTRA_CA_CERTS); `dev` trusts it in-process.
import { webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { Agent, setGlobalDispatcher } from 'undici';
import { writeFileSafely } from './files.js';

export interface TlsFiles {
  cert: string;
  key: string;
  /** The certificate (or CA) a client must trust to reach the emulator. */
  caFile: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** A leaf is renewed when it has less than this left (browsers accept at most 398 days). */
const RENEW_WITHIN_MS = 30 * DAY_MS;

/** The local CA and a certificate for `host` (and localhost, 127.0.0.1, ::1) in `<dataDir>/tls`, made when missing or due. */
export async function localCertificate(dataDir: string, host: string): Promise<TlsFiles> {
  const dir = path.join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { caCert: path.join(dir, 'ca.pem'), caKey: path.join(dir, 'ca-key.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
  const names = [...new Set([host, 'localhost', '127.0.0.1', '::1'])].filter((n) => n !== '0.0.0.0' && n !== '::');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  if (!existsSync(files.caCert) || !existsSync(files.caKey)) await makeAuthority(files.caCert, files.caKey);
  if (!leafUsable(files.cert, names)) await makeLeaf(files, names);
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8'), caFile: files.caCert };
}

/** Makes this process's own HTTPS calls (fetch: the client, the JWKS) trust `caPem` too. */
export function trustInProcess(caPem: string): void {
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, caPem] } }));
}

async function makeAuthority(certFile: string, keyFile: string): Promise<void> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=saas-fulfillment local development CA',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 10 * 365 * DAY_MS),
    keys: keys as webcrypto.CryptoKeyPair,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as webcrypto.CryptoKey),
    ],
  });
  writeFileSafely(certFile, certificate.toString('pem'), 0o644);
  writeFileSafely(keyFile, await privateKeyPem(keys.privateKey as webcrypto.CryptoKey));
}

async function makeLeaf(files: { caCert: string; caKey: string; cert: string; key: string }, names: string[]): Promise<void> {
  const authority = new x509.X509Certificate(readFileSync(files.caCert, 'utf8'));
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(readFileSync(files.caKey, 'utf8')), ALGORITHM, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names[0]}`,
    issuer: authority.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 397 * DAY_MS),
    publicKey: keys.publicKey as webcrypto.CryptoKey,
    signingKey: caKey as webcrypto.CryptoKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((name) => (isIP(name) ? { type: 'ip', value: name } : { type: 'dns', value: name }))),
    ],
  });
  writeFileSafely(files.cert, certificate.toString('pem'), 0o644);
  writeFileSafely(files.key, await privateKeyPem(keys.privateKey as webcrypto.CryptoKey));
}

/** A leaf that exists, is not due for renewal, and names every host asked for. */
function leafUsable(file: string, names: string[]): boolean {
  if (!existsSync(file)) return false;
  const certificate = new X509Certificate(readFileSync(file));
  if (Date.parse(certificate.validTo) - Date.now() < RENEW_WITHIN_MS) return false;
  const san = certificate.subjectAltName ?? '';
  return names.every((name) => san.includes(isIP(name) ? `IP Address:${name === '::1' ? '0:0:0:0:0:0:0:1' : name}` : `DNS:${name}`));
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
