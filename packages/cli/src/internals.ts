// What this package's own tests and benchmarks reach beyond its public entry: parts tested on their own.
// Not a public API: names here may change or go in any release.
export { localCertificate, trustInProcess } from './tls.js';
