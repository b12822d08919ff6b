// Who may sign in where, as Entra decides it for a publisher's app. Every SaaS offer's app is multi-tenant:
// users of its own tenant sign in, and so do users of the customer tenants that bought one of its offers
// (their purchasers and beneficiaries: the people the marketplace knows there). A tenant neither of the
// publisher's nor any customer's is unknown, as an unknown tenant is to Entra.
import type { AadIdentifier } from '@saas-fulfillment/contract';
import type { Catalog, PublisherConfig } from '../catalog.js';
import type { MarketplaceStore } from '../store/repository.js';

/** A person the stand-in knows in a tenant: the sign-in page offers them. */
export interface KnownAccount {
  email: string;
  tenantId: string;
}

export class TenantDirectory {
  constructor(
    private readonly catalog: Catalog,
    private readonly store: MarketplaceStore,
  ) {}

  /** Whether the tenant exists at all: a publisher's, or a customer's of any publisher. */
  async exists(tenantId: string): Promise<boolean> {
    if (this.catalog.publishers.some((p) => sameTenant(p.tenantId, tenantId))) return true;
    for (const publisher of this.catalog.publishers) if (await this.isCustomer(publisher, tenantId)) return true;
    return false;
  }

  /** Whether users of the tenant may sign in to the publisher's app: its own tenant, or one that bought from it. */
  async admits(publisher: PublisherConfig, tenantId: string): Promise<boolean> {
    return sameTenant(publisher.tenantId, tenantId) || this.isCustomer(publisher, tenantId);
  }

  /** The people the marketplace knows in a customer tenant of the publisher, newest purchase first. */
  async accounts(publisher: PublisherConfig, tenantId: string, limit = 5): Promise<KnownAccount[]> {
    const seen = new Map<string, KnownAccount>();
    for (const subscription of await this.store.customersIn(publisher.publisherId, tenantId, limit * 2)) {
      for (const person of [subscription.beneficiary, subscription.purchaser] as AadIdentifier[]) {
        if (!person.emailId || !person.tenantId || !sameTenant(person.tenantId, tenantId)) continue;
        seen.set(person.emailId.toLowerCase(), { email: person.emailId, tenantId: person.tenantId.toLowerCase() });
      }
    }
    return [...seen.values()].slice(0, limit);
  }

  private async isCustomer(publisher: PublisherConfig, tenantId: string): Promise<boolean> {
    return (await this.store.customersIn(publisher.publisherId, tenantId, 1)).length > 0;
  }
}

const sameTenant = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
