// What this package's own tests and benchmarks reach beyond its public entry: parts tested on their own.
// Not a public API: names here may change or go in any release.
export { localCertificate, trustInProcess } from './tls.js';
export { marketplaceConfig } from './settings/marketplace.js';
export { publisherConfig } from './settings/publisher.js';
export { ConfigError } from './settings/read.js';
