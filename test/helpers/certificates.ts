// Certificates made for a test with Debian's openssl: a self-signed one (a TLS server's, or an app's
// credential registered in the emulator's catalog), written to a temp folder.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  dir: string;
  certificatePath: string;
  keyPath: string;
  /** The certificate alone (what an app registration holds). */
  certificatePem: string;
  /** Certificate and private key in one PEM (what a client is given). */
  combinedPem: string;
}

export function makeCertificate(options: { commonName: string; days?: number; dnsName?: string }): TestCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'cert-'));
  const certificatePath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(options.days ?? 1), '-keyout', keyPath, '-out', certificatePath];
  args.push('-subj', `/CN=${options.commonName}`);
  if (options.dnsName) args.push('-addext', `subjectAltName=DNS:${options.dnsName}`);
  execFileSync('openssl', args, { stdio: 'ignore' });
  const certificatePem = readFileSync(certificatePath, 'utf8');
  return { dir, certificatePath, keyPath, certificatePem, combinedPem: certificatePem + readFileSync(keyPath, 'utf8') };
}
