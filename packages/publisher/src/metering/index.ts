// Metered billing, assembled: ingestion of usage, the submitter (one pass at a time per process, on a
// timer and on demand), and what needs a person's attention: hours close to the end of the 24-hour
// window unsent, hours the marketplace refused or that expired, and hours billed at another quantity.
import { fromMicros, nearestMicros, usageHour, USAGE_WINDOW_MS, type Clock, type MeteringDimension } from '@saas-fulfillment/contract';
import type { MarketplaceClient } from '@saas-fulfillment/client';
import type { PlanDirectory } from '../fulfillment/plans.js';
import type { PublisherMetrics } from '../metrics.js';
import type { PublisherStore } from '../store/repository.js';
import { UsageIngestion } from './ingestion.js';
import { AT_RISK_MS, type MeteringAlert, type ReconciliationLine, type UsageHour, type UsageHourStatus } from '../model/metering.js';
import { UsageSubmitter } from './submitter.js';
import type { SubmissionReport, UsageLabels } from '../model/metering.js';

export interface MeteringDeps {
  store: PublisherStore;
  client: MarketplaceClient;
  plans: PlanDirectory;
  clock: Clock;
  metrics: PublisherMetrics;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  leaseMs?: number;
}

export class Metering {
  readonly ingestion: UsageIngestion;
  readonly submitter: UsageSubmitter;
  readonly store: PublisherStore;
  private running: Promise<SubmissionReport> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: MeteringDeps) {
    this.store = deps.store;
    const { store, client, plans, clock, metrics, log } = deps;
    this.ingestion = new UsageIngestion(store, plans, clock);
    this.submitter = new UsageSubmitter(
      store,
      client,
      plans,
      clock,
      {
        settled: (hour, outcome) => {
          const result =
            outcome.status === 'accepted' ? (outcome.duplicate ? 'duplicate' : 'accepted') : outcome.status === 'ready' ? 'failed' : outcome.status;
          metrics.usageHours.inc({ result });
          if (outcome.status !== 'accepted')
            log.warn(
              { subscriptionId: hour.subscriptionId, dimension: hour.dimension, hour: hour.hour, result, error: outcome.error },
              'usage hour not billed',
            );
        },
        expired: (hour) => {
          metrics.usageHours.inc({ result: 'expired' });
          log.error(
            { subscriptionId: hour.subscriptionId, dimension: hour.dimension, hour: hour.hour, billable: hour.billable },
            'usage hour expired unsent: it can no longer be billed',
          );
        },
      },
      deps.leaseMs,
    );
  }

  /** Runs a submission pass, or joins the one already running in this process. */
  submit(): Promise<SubmissionReport> {
    this.running ??= this.submitter.submit(this.stopping.signal).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Sends no further batch; a pass running gets `graceMs` to finish its batch, else the hours it holds are
   * released for the next pass. Resolves with what was cut short.
   */
  async stop(graceMs: number): Promise<string[]> {
    this.stopping.abort();
    const running = this.running?.then(
      () => true,
      () => true,
    );
    if (!running) return [];
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([running, new Promise<false>((resolve) => (timer = setTimeout(resolve, graceMs, false)))]);
    clearTimeout(timer);
    if (finished) return [];
    await this.submitter.release();
    return ['usage submission (its hours are sent by the next pass; a resend is never billed twice)'];
  }

  /** Our billed total per subscription and dimension on `day` (YYYY-MM-DD, UTC) against what the marketplace holds. */
  async reconcile(day: string): Promise<ReconciliationLine[]> {
    const from = `${day}T00:00:00.000Z`;
    const to = new Date(Date.parse(from) + 86_400_000).toISOString();
    const ours = new Map<string, ReconciliationLine>();
    const line = (subscriptionId: string, dimension: string) => {
      const key = `${subscriptionId} ${dimension}`;
      const found = ours.get(key) ?? { day, subscriptionId, dimension, ours: 0, theirs: undefined };
      ours.set(key, found);
      return found;
    };
    // Summed in micros: the day's total is exact however many hours it adds up.
    const micros = new Map<ReconciliationLine, number>();
    for (const hour of await this.deps.store.usage.acceptedBetween(from, to)) {
      const found = line(hour.subscriptionId, hour.dimension);
      micros.set(found, (micros.get(found) ?? 0) + nearestMicros(hour.acceptedQuantity ?? 0));
    }
    for (const [found, total] of micros) found.ours = fromMicros(total);
    for (const item of await this.deps.client.getUsageEvents({ usageStartDate: day, usageEndDate: day }))
      line(item.usageResourceId, item.dimension).theirs = item;
    return [...ours.values()].sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId) || a.dimension.localeCompare(b.dimension));
  }

  /** What needs attention, most urgent first. */
  async alerts(limit = 100): Promise<MeteringAlert[]> {
    const { usage } = this.deps.store;
    const now = this.deps.clock.now().getTime();
    const deadline = (hour: UsageHour) => new Date(Date.parse(hour.hour) + USAGE_WINDOW_MS).toISOString();
    const currentHour = usageHour(new Date(now));
    // At risk: unsent hours whose window closes within AT_RISK_MS, found by the database, not by a scan.
    const before = new Date(now - USAGE_WINDOW_MS + AT_RISK_MS + 1).toISOString();
    // biome-ignore lint/complexity/useMathMinMax: ISO timestamps compare as text; Math.min would make them NaN
    const unsent = await usage.hoursOf({ status: ['open', 'ready'], before: before < currentHour ? before : currentHour, limit, oldestFirst: true });
    const settled = await usage.hoursOf({ status: ['rejected', 'expired', 'accepted'], limit: 1000 });
    const alerts: MeteringAlert[] = [
      ...unsent.map((hour) => ({ kind: 'at-risk' as const, hour, deadline: deadline(hour) })),
      ...settled
        .filter((h) => h.status !== 'accepted' || (h.acceptedQuantity !== undefined && h.acceptedQuantity !== h.billable))
        .map((hour) => ({
          kind: hour.status === 'accepted' ? ('mismatch' as const) : (hour.status as 'rejected' | 'expired'),
          hour,
          deadline: deadline(hour),
        })),
    ];
    return alerts.slice(0, limit);
  }

  /** The hours shown (filtered, newest first), what needs attention, and the count of hours per status. */
  async overview(filter: { subscription?: string | undefined; status?: UsageHourStatus | undefined }, limit: number) {
    const { usage } = this.store;
    const [hours, alerts, summary] = await Promise.all([
      usage.hoursOf({ subscriptionId: filter.subscription, status: filter.status ? [filter.status] : undefined, limit }),
      this.alerts(),
      usage.summary(),
    ]);
    return { hours, alerts, summary };
  }

  /** Subscription names and their plans' dimension names and units: an id alone says little to a person. */
  async labelsOf(ids: readonly string[]): Promise<UsageLabels> {
    const subscriptions = [...(await this.store.subscriptionsById([...new Set(ids)])).values()];
    // One plan lookup per plan, however many subscriptions hold it.
    const holders = new Map(subscriptions.map((s) => [`${s.offerId}/${s.planId}`, s]));
    const plans = new Map(await Promise.all([...holders].map(async ([key, holder]) => [key, await this.deps.plans.planOf(holder)] as const)));
    const dimensions = new Map<string, ReadonlyMap<string, MeteringDimension>>();
    for (const s of subscriptions) {
      const plan = plans.get(`${s.offerId}/${s.planId}`);
      if (plan) dimensions.set(s.id, new Map(plan.planComponents.meteringDimensions.map((d) => [d.id, d])));
    }
    return { names: new Map(subscriptions.map((s) => [s.id, s.name])), dimensions };
  }
}
