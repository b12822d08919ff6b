// `saas-fulfillment/contract`: the marketplace's shapes (schemas and types), the operations with their
// documented answers, the lifecycle and errors.
export * from './schemas.js';
export * from './metering.js';
export * from './operations.js';
export * from './lifecycle.js';
export { ApiError } from './errors.js';
