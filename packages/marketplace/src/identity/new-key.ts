// A new RS256 signing key as a JWK, made with nothing but node:crypto: light enough for a command to start
// making it before it loads the emulator, so that the key (tens to hundreds of milliseconds of RSA prime
// search on a background thread) is ready when the emulator asks for it.
import { generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

/** The private JWK, with its key id and the algorithm and use Entra's keys carry, as JSON. */
export async function newSigningJwk(): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' });
}
