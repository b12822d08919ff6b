// `saas-fulfillment/marketplace`: the emulator as a library, for a publisher's own test suites.
export { buildMarketplace, type MarketplaceApp, type MarketplaceHandles, type MarketplaceOptions } from './app.js';
export { Catalog, CatalogError, DEMO_CATALOG, DEV_PUBLISHER, type CatalogConfig } from './catalog.js';
export { openMarketplaceStore, type MarketplaceStore } from './store/repository.js';
export { DEFAULT_SETTINGS, type MarketplaceSettings } from './settings.js';
export { ChaosSettings } from './simulator/chaos.js';
export { OffsetClock, ManualClock, systemClock, type AdjustableClock, type Clock } from '@saas-fulfillment/contract';
export { SimulatorClient, EmulatorUnreachable, type DeliveryView, type PurchaseRequest, type CustomerActionRequest } from './simulator/client.js';
