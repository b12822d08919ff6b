// @ts-check
// Runs the example product alone, against a publisher already running (`npx saas-fulfillment dev` in
// another terminal, or yours):
//   PUBLISHER_URL=http://127.0.0.1:3000 APP_API_KEY=… APP_EVENTS_SECRET=whsec_… node examples/product/main.js
// and point the publisher's APP_EVENTS_URL at http://127.0.0.1:3100/events so changes show at once.
import { startProduct } from './product.js';

const required = (/** @type {string} */ name) => {
  const value = process.env[name]?.trim();
  if (value) return value;
  process.stderr.write(`${name} must be set (see examples/product/README.md)\n`);
  process.exit(2);
};

const product = await startProduct({
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 3100),
  publisherUrl: required('PUBLISHER_URL'),
  apiKey: required('APP_API_KEY'),
  eventsSecret: required('APP_EVENTS_SECRET'),
  dataDir: process.env.DATA_DIR ?? 'data',
});
process.stdout.write(`Contoso Cloud (example product) on ${product.url}/  (events: ${product.eventsUrl})\n`);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.once(signal, () => void product.close().then(() => process.exit(0)));
