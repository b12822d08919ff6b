// A client of the publisher's application API made from its OpenAPI document alone: the types come from
// `npm run generate` (openapi-typescript), the calls from openapi-fetch; nothing of this repository's code.
//   node dist/main.js <publisher url> <app key> <subscription id>
import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const [baseUrl, apiKey, subscriptionId] = process.argv.slice(2) as [string, string, string];
const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${apiKey}` } });

const first = await client.GET('/api/entitlements/{subscriptionId}', { params: { path: { subscriptionId } } });
if (!first.data) throw new Error(`entitlement: ${first.response.status} ${JSON.stringify(first.error)}`);
console.log('entitlement:', first.data.planId, first.data.status, first.data.access);

const etag = first.response.headers.get('etag') ?? '';
const again = await client.GET('/api/entitlements/{subscriptionId}', { params: { path: { subscriptionId }, header: { 'if-none-match': etag } } });
console.log('again with its ETag:', again.response.status);

const timestamp = new Date().toISOString();
const usage = await client.POST('/api/usage', {
  body: [
    { subscriptionId, dimension: 'api_calls', quantity: 4, timestamp, idempotencyKey: `generated-${subscriptionId}-1` },
    { subscriptionId, dimension: 'no_such_dimension', quantity: 1, timestamp },
  ],
});
if (!usage.data || !('results' in usage.data)) throw new Error(`usage: ${usage.response.status}`);
console.log('usage:', usage.data.results.map((r) => (r.error ? `${r.status} (${r.error.field})` : r.status)).join(', '));

const missing = await client.GET('/api/entitlements/{subscriptionId}', { params: { path: { subscriptionId: '00000000-0000-4000-8000-000000000000' } } });
console.log('unknown subscription:', missing.response.status, missing.error?.code);
