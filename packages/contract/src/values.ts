// The contract's constants as plain values (no schema library): the api-version, the resource id, and the
// values of each enum. What a light client (a command line, a script) needs without loading the schemas.

export { parseDuration } from './duration.js';

export const API_VERSION = '2018-08-31';
/** The Entra application (resource) id of the marketplace fulfillment API. */
export const MARKETPLACE_RESOURCE_ID = '20e940b3-4c77-4b0b-9a53-9e16a1b010a7';

export const SUBSCRIPTION_STATUSES = ['NotStarted', 'PendingFulfillmentStart', 'Subscribed', 'Suspended', 'Unsubscribed'] as const;
export const TERM_UNITS = ['P1M', 'P1Y', 'P2Y', 'P3Y', 'P4Y', 'P5Y'] as const;
/**
 * `Subscribe` is sent for auto-activated plans (Microsoft's 2025 webhook docs); the official file's enum
 * does not list it yet. Readers must still expect values newer than these.
 */
export const OPERATION_ACTIONS = ['Unsubscribe', 'ChangePlan', 'ChangeQuantity', 'Suspend', 'Reinstate', 'Renew', 'Subscribe'] as const;
export const OPERATION_STATUSES = ['NotStarted', 'InProgress', 'Succeeded', 'Failed', 'Conflict'] as const;
export const CUSTOMER_OPERATIONS = ['Read', 'Update', 'Delete'] as const;

/**
 * A GUID as this project stores and compares it: lower case. Microsoft writes GUIDs in lower case, a
 * vendor's settings or application may not; a GUID from outside goes through this before it is compared.
 */
export const guidKey = (guid: string): string => guid.trim().toLowerCase();
