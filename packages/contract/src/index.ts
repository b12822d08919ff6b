// `@saas-fulfillment/contract`: the marketplace's shapes (schemas and types), the operations with their
// documented answers, the lifecycle, errors, validation, and time (clocks and ISO 8601 durations).
export * from './schemas.js';
export * from './metering.js';
export * from './quantity.js';
export * from './operations.js';
export * from './lifecycle.js';
export * from './errors.js';
export * from './validate.js';
export * from './clock.js';
export * from './instant.js';
export * from './duration.js';
export * from './backoff.js';
export * from './application.js';
