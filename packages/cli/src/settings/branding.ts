// What buyers see of the vendor: PRODUCT_NAME (required against Microsoft), PRODUCT_LOGO_URL, PRODUCT_URL
// and SUPPORT_CONTACT.
import type { Branding } from '@saas-fulfillment/publisher';
import { ConfigError, type Env } from './read.js';

/** The name the demo catalog's offer goes by: what buyers see against an emulator unless PRODUCT_NAME says otherwise. */
const DEMO_PRODUCT_NAME = 'Contoso Cloud';

export function brandingFrom(env: Env, emulated: boolean): Branding {
  const productName = env.PRODUCT_NAME?.trim() || (emulated ? DEMO_PRODUCT_NAME : undefined);
  if (!productName) throw new ConfigError('PRODUCT_NAME must be set: it is what buyers see on the landing page');
  if (productName.length > 100) throw new ConfigError('PRODUCT_NAME must be at most 100 characters');
  const url = (name: string) => {
    const value = env[name]?.trim();
    if (!value) return undefined;
    if (!/^https?:\/\//.test(value) || !URL.canParse(value)) throw new ConfigError(`${name} must be an http(s) URL; got '${value}'`);
    return value;
  };
  const support = env.SUPPORT_CONTACT?.trim() || undefined;
  if (support && !/^https?:\/\/\S+$/.test(support) && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(support)) {
    throw new ConfigError(`SUPPORT_CONTACT must be an e-mail address or an http(s) URL; got '${support}'`);
  }
  return { productName, logoUrl: url('PRODUCT_LOGO_URL'), productUrl: url('PRODUCT_URL'), supportContact: support };
}
