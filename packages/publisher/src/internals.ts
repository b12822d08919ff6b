// What this package's own tests and benchmarks reach beyond its public entry: parts tested on their own.
// Not a public API: names here may change or go in any release.
export { includedMicros, priceHours, termStartOf } from './metering/pricing.js';
export type { JobHandlers } from './model/jobs.js';
export type { SubmissionReport, UsageHour } from './model/metering.js';
export { timeOrderedId } from './store/jobs.js';
export type { PublisherTables } from './store/schema.js';
export type { NewUsageRecord } from './store/usage-recording.js';
export { JobWorker } from './worker.js';
export { addressKey } from './auth/brake.js';
export { AdminAuth } from './auth/admin.js';
export { createMetrics } from './metrics.js';
export { PlanDirectory } from './fulfillment/plans.js';
export { openProduct } from './pages/views/layout.js';
