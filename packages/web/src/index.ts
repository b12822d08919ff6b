// `@saas-fulfillment/web`: what both apps share over HTTP.
export * from './errors.js';
export * from './html.js';
export * from './words.js';
export * from './loopback.js';
export * from './forms.js';
export * from './csrf.js';
export * from './headers.js';
export * from './bearer.js';
export * from './server.js';
export * from './answers.js';
export * from './health.js';
