// Run by microsoft-sdks.process.test.ts in a child process with NODE_EXTRA_CA_CERTS set to the emulator's
// certificate, as a vendor's own service would run: Microsoft's identity SDKs get marketplace tokens from
// the emulator, and the emulator's APIs take them. Prints one JSON line per case.
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { ConfidentialClientApplication } from '@azure/msal-node';

const { AUTHORITY, TENANT_ID, CLIENT_ID, CLIENT_SECRET, CERTIFICATE_PEM } = process.env;
const SCOPE = '20e940b3-4c77-4b0b-9a53-9e16a1b010a7/.default';
const host = new URL(AUTHORITY).host;

/** The fulfillment and metering APIs' answers to a token: both must be 200. */
async function apiAnswers(token) {
  const get = async (path) => (await fetch(`${AUTHORITY}/api${path}`, { headers: { authorization: `Bearer ${token}` } })).status;
  return [await get('/saas/subscriptions?api-version=2018-08-31'), await get('/usageEvents?api-version=2018-08-31&usageStartDate=2026-01-01')];
}

async function run(name, getToken) {
  try {
    const token = await getToken();
    console.log(JSON.stringify({ name, ok: true, answers: await apiAnswers(token) }));
  } catch (error) {
    console.log(JSON.stringify({ name, ok: false, error: String(error?.message ?? error).slice(0, 600) }));
  }
}

const identityOptions = { authorityHost: AUTHORITY, disableInstanceDiscovery: true };
await run('azure-identity-secret', async () => (await new ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, identityOptions).getToken(SCOPE)).token);
await run(
  'azure-identity-certificate',
  async () => (await new ClientCertificateCredential(TENANT_ID, CLIENT_ID, { certificate: CERTIFICATE_PEM }, identityOptions).getToken(SCOPE)).token,
);
await run(
  'azure-identity-wrong-secret',
  async () => (await new ClientSecretCredential(TENANT_ID, CLIENT_ID, 'not-the-secret', identityOptions).getToken(SCOPE)).token,
);

const msal = (auth) =>
  new ConfidentialClientApplication({ auth: { clientId: CLIENT_ID, authority: `${AUTHORITY}/${TENANT_ID}`, knownAuthorities: [host], ...auth } });
await run('msal-node-secret', async () => (await msal({ clientSecret: CLIENT_SECRET }).acquireTokenByClientCredential({ scopes: [SCOPE] })).accessToken);
await run(
  'msal-node-wrong-secret',
  async () => (await msal({ clientSecret: 'not-the-secret' }).acquireTokenByClientCredential({ scopes: [SCOPE] })).accessToken,
);
