// @ts-check
// Runs the example product alone, against a publisher already running (`npx saas-fulfillment dev` in
// another terminal, or yours), signing its users in with an Entra app of yours (or the emulator's):
//   PUBLISHER_URL=http://127.0.0.1:3000 APP_API_KEY=… APP_EVENTS_SECRET=whsec_… \
//   OIDC_CLIENT_ID=… OIDC_CLIENT_SECRET=… [ENTRA_AUTHORITY=http://127.0.0.1:4010] node examples/product/main.js
// and point the publisher's APP_EVENTS_URL at http://127.0.0.1:3100/events so changes show at once;
// register http://127.0.0.1:3100/auth/callback (or PUBLIC_URL's) as a redirect URI of the app.
import { startProduct } from './product.js';

const required = (/** @type {string} */ name) => {
  const value = process.env[name]?.trim();
  if (value) return value;
  process.stderr.write(`${name} must be set (see examples/product/README.md)\n`);
  process.exit(2);
};

const port = Number(process.env.PORT ?? 3100);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT must be a port number from 0 to 65535; got '${process.env.PORT}'\n`);
  process.exit(2);
}
const product = await startProduct({
  host: process.env.HOST ?? '127.0.0.1',
  port,
  publisherUrl: required('PUBLISHER_URL'),
  apiKey: required('APP_API_KEY'),
  eventsSecret: required('APP_EVENTS_SECRET'),
  dataDir: process.env.DATA_DIR ?? 'data',
  signIn: {
    authority: process.env.ENTRA_AUTHORITY?.trim() || 'https://login.microsoftonline.com',
    clientId: required('OIDC_CLIENT_ID'),
    clientSecret: required('OIDC_CLIENT_SECRET'),
  },
  ...(process.env.PUBLIC_URL?.trim() ? { publicUrl: process.env.PUBLIC_URL.trim() } : {}),
  ...(process.env.COOKIE_SECRET?.trim() ? { cookieSecret: process.env.COOKIE_SECRET.trim() } : {}),
});
process.stdout.write(`Contoso Cloud (example product) on ${product.url}/  (events: ${product.eventsUrl})\n`);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(signal, () => void product.close().then(() => process.exit(0)));
