// The emulator's RSA signing key (the stand-in for Entra's): made once, kept in the store, so tokens
// and the JWKS stay valid across restarts.
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { newSigningJwk } from './new-key.js';
import type { MarketplaceStore } from '../store/repository.js';

/**
 * The key as the emulator holds it: possibly still being made. An emulator in memory answers before its
 * new key is ready (RSA prime search takes up to a few hundred milliseconds); what signs or verifies waits.
 */
export type PendingSigningKey = Promise<SigningKey>;

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public half as it appears in the JWKS. */
  readonly publicJwk: JWK;
}

/** Where the key is kept in the store's settings. */
export const SIGNING_KEY_SETTING = 'signing-key';

export async function loadOrCreateSigningKey(store: MarketplaceStore): Promise<SigningKey> {
  let stored = await store.settings.get(SIGNING_KEY_SETTING);
  if (stored === undefined) {
    // Two emulators starting on one database race here; whichever key landed first wins for both.
    stored = await store.settings.setOnce(SIGNING_KEY_SETTING, await newSigningJwk());
  }
  return importSigningKey(JSON.parse(stored) as JWK);
}

/** A key kept nowhere: for emulators that keep nothing (a test suite's, made many times in one process). */
export async function newSigningKey(): Promise<SigningKey> {
  return importSigningKey(JSON.parse(await newSigningJwk()) as JWK);
}

/** A key made elsewhere (newSigningJwk's JSON), ready to sign with. */
export async function signingKeyFromJwk(json: string): Promise<SigningKey> {
  return importSigningKey(JSON.parse(json) as JWK);
}

async function importSigningKey(jwk: JWK): Promise<SigningKey> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  const privateKey = (await importJWK(jwk, 'RS256')) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, 'RS256')) as CryptoKey;
  return { kid: String(jwk.kid), privateKey, publicKey, publicJwk };
}
