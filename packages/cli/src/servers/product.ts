// `dev --product <module>`: the vendor's own product started beside the emulator and the publisher, wired to
// them: it gets the publisher's URL and app key, the secret of the publisher's events, and the app its users
// sign in with (the publisher's, at the emulator's Entra stand-in); the publisher sends its events to the
// product and links its landing page to the product's workspace. `npm start` runs the repository's example
// product (examples/product) this way.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { portProblem } from '../command.js';
import type { PublisherConfig } from '../settings/publisher.js';
import { ConfigError } from '../settings/read.js';

/** What the product module's `startProduct` is given. */
interface ProductOptions {
  host: string;
  port: number;
  publisherUrl: string;
  apiKey: string;
  /** The publisher's APP_EVENTS_SECRET, made for this run. */
  eventsSecret: string;
  dataDir: string;
  marketplaceUrl: string;
  /** The Entra app its users sign in with: the publisher's own (multi-tenant) app, at the emulator. */
  signIn: { authority: string; clientId: string; clientSecret: string };
}

/** What it answers once listening. */
export interface RunningProduct {
  url: string;
  /** Where the publisher sends its events. */
  eventsUrl: string;
  /** The landing page's "Open …" link; `{subscriptionId}` is replaced with the subscription's id. */
  workspaceUrl?: string;
  close(): Promise<void>;
}

type StartProduct = (options: ProductOptions) => Promise<RunningProduct>;

/** Imports the module before anything starts, so a wrong path or shape stops dev at once with its reason. */
export async function loadProduct(module: string): Promise<StartProduct> {
  const file = path.resolve(module);
  let loaded: { startProduct?: unknown };
  try {
    loaded = (await import(pathToFileURL(file).href)) as { startProduct?: unknown };
  } catch (error) {
    throw new ConfigError(`--product ${module}: the module could not be loaded (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof loaded.startProduct !== 'function') throw new ConfigError(`--product ${module} must export a function startProduct(options)`);
  return loaded.startProduct as StartProduct;
}

/**
 * Starts the product and answers the publisher's settings wired to it: events to the product, signed with a
 * secret made for this run (both ends are in this process, so it is never stored), and the landing page's
 * link to the product's workspace unless PRODUCT_URL names one.
 */
export async function startBeside(
  start: StartProduct,
  publisher: PublisherConfig,
  where: { host: string; port: number; publisherUrl: string; marketplaceUrl: string },
): Promise<{ product: RunningProduct; config: PublisherConfig }> {
  const eventsSecret = `whsec_${randomBytes(24).toString('base64')}`;
  if (publisher.credential.kind !== 'client-secret')
    throw new ConfigError(
      "--product signs its users in with the app's client secret: run dev with the emulator's dev app (no CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE)",
    );
  const signIn = { authority: publisher.authority, clientId: publisher.clientId, clientSecret: publisher.credential.clientSecret };
  const product = await start({ ...where, apiKey: publisher.appApiKey, eventsSecret, dataDir: publisher.dataDir, signIn }).catch((error: unknown) => {
    throw portProblem(error, where.port, '--product-port');
  });
  const productUrl = publisher.branding.productUrl ?? product.workspaceUrl;
  return { product, config: { ...publisher, eventsUrl: product.eventsUrl, eventsSecret, branding: { ...publisher.branding, productUrl } } };
}

export function describeProduct(product: RunningProduct, module: string): string {
  return `Product               ${product.url}/   (${module}: the landing page's "Open" link goes to it)
  Receives events at  ${product.eventsUrl}
  Users sign in       at the emulator, as the buyer of the subscription (the sign-in page offers them)`;
}
