// `@saas-fulfillment/store`: the storage both apps build on.
export * from './database.js';
export * from './repository.js';
export * from './group-commit.js';
export * from './coalesce.js';
export * from './polling-loop.js';
export * from './backup.js';
export * from './outage.js';
