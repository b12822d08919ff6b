// `saas-fulfillment/marketplace`: the emulator as a library, for a publisher's own test suites.
export { buildMarketplace, type MarketplaceApp } from './app.js';
export type { MarketplaceHandles, MarketplaceOptions } from './services.js';
export { Catalog, CatalogError, DEMO_CATALOG, DEV_PUBLISHER, type CatalogConfig } from './catalog.js';
export { openMarketplaceStore, type MarketplaceStore } from './store/repository.js';
export { DEFAULT_SETTINGS, type MarketplaceSettings } from './settings.js';
export { ChaosSettings } from './model/simulator.js';
export { OffsetClock, ManualClock, systemClock, type AdjustableClock, type Clock } from '@saas-fulfillment/contract';
export { SimulatorClient, EmulatorUnreachable, type DeliveryView, type PurchaseRequest, type CustomerActionRequest } from './simulator/client.js';
export { STATE_FORMAT, STATE_VERSION, MarketplaceState, Seed, SeedSubscription } from './simulator/documents.js';
export type { StateCounts } from './simulator/state.js';
export { readDocumentFile, DocumentFileError } from './simulator/seed-file.js';
