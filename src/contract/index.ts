// `saas-fulfillment/contract`: the marketplace's shapes (schemas and types), lifecycle and errors.
export * from './schemas.js';
export * from './lifecycle.js';
export { ApiError } from './errors.js';
