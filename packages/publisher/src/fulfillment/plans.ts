// The plans the marketplace offers a subscription (listAvailablePlans), kept a few minutes, and the
// display names learned from them, so pages say "Enterprise" rather than `enterprise`. A marketplace
// that does not answer leaves the ids in place: a page never fails for want of a name.
import type { MarketplaceClient } from '@saas-fulfillment/client';
import type { Clock, Plan } from '@saas-fulfillment/contract';

const FRESH_MS = 5 * 60_000;

export class PlanDirectory {
  private readonly bySubscription = new Map<string, { plans: Plan[]; at: number }>();
  private readonly names = new Map<string, string>();
  /** Plans by offer and plan id: what a plan meters and includes does not depend on who holds it. */
  private readonly byPlan = new Map<string, { plan: Plan; at: number }>();
  private readonly plansAsked = new Map<string, number>();

  constructor(
    private readonly client: MarketplaceClient,
    private readonly clock: Clock,
    private readonly log: { warn(obj: object, msg: string): void },
  ) {}

  /** The plans a subscription may move to (its own included), or undefined if the marketplace did not say. */
  async plansFor(subscription: { id: string; offerId: string }): Promise<Plan[] | undefined> {
    const subscriptionId = subscription.id;
    const cached = this.bySubscription.get(subscriptionId);
    if (cached && this.now() - cached.at < FRESH_MS) return cached.plans;
    try {
      const plans = await this.client.listAvailablePlans(subscriptionId);
      this.bySubscription.set(subscriptionId, { plans, at: this.now() });
      for (const plan of plans) {
        this.names.set(`${subscription.offerId}/${plan.planId}`, plan.displayName);
        this.byPlan.set(`${subscription.offerId}/${plan.planId}`, { plan, at: this.now() });
      }
      return plans;
    } catch (error) {
      this.log.warn({ subscriptionId, err: error instanceof Error ? error.message : String(error) }, 'could not list available plans');
      return cached?.plans;
    }
  }

  /** The subscription's current plan (its dimensions, included quantities), or undefined if the marketplace did not say. */
  async planOf(subscription: { id: string; offerId: string; planId: string }): Promise<Plan | undefined> {
    const key = `${subscription.offerId}/${subscription.planId}`;
    const cached = this.byPlan.get(key);
    if (cached && this.now() - cached.at < FRESH_MS) return cached.plan;
    return (await this.plansFor(subscription))?.find((p) => p.planId === subscription.planId) ?? cached?.plan;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** The plan's display name, or its id when none is known yet. */
  nameOf(offerId: string, planId: string): string {
    return this.names.get(`${offerId}/${planId}`) ?? planId;
  }

  /**
   * Learns the names of the plans in `subscriptions` not known yet, one call per plan through one of its
   * own subscriptions: a private plan is listed only to the tenants it is for, so asking through another
   * subscription of the offer would never name it. A plan asked about lately is not asked again.
   */
  async learn(subscriptions: readonly { id: string; offerId: string; planId: string }[]): Promise<void> {
    const unnamed = new Map(subscriptions.map((s) => [`${s.offerId}/${s.planId}`, s] as const).filter(([key]) => !this.names.has(key)));
    await Promise.all(
      [...unnamed].map(async ([key, subscription]) => {
        const asked = this.plansAsked.get(key);
        if (asked !== undefined && this.now() - asked < FRESH_MS) return;
        this.plansAsked.set(key, this.now());
        await this.plansFor(subscription);
      }),
    );
  }
}
