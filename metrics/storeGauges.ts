import { registry as kinds } from '../machines/registry';
import type { Store } from '../store/db';
import type { Metrics } from './registry';

/** Channels and statuses shown as 0 when empty, so a panel has its series before the first message. */
const channels = ['email', 'sms'];
const waiting = ['pending', 'failed'];

/**
 * Reads the outbox backlog and the reviewers' inbox from the records store into the gauges. Every
 * instance reads the same shared store, so the dashboard takes `max` across instances, not `sum`.
 * At most one read per `minIntervalMs`, however many scrapers ask.
 */
export function storeGauges(metrics: Metrics, store: Store, minIntervalMs = 5_000) {
  let last = 0;
  let running: Promise<void> | undefined;
  const read = async () => {
    const now = new Date();
    const [backlog, reviews] = await Promise.all([store.health.outboxBacklog(), store.health.reviews(now.toISOString())]);
    metrics.outboxBacklog.reset();
    metrics.outboxOldestAge.reset();
    for (const channel of channels)
      for (const status of waiting) {
        metrics.outboxBacklog.set({ channel, status }, 0);
        metrics.outboxOldestAge.set({ channel, status }, 0);
      }
    for (const row of backlog) {
      metrics.outboxBacklog.set({ channel: row.channel, status: row.status }, row.count);
      metrics.outboxOldestAge.set({ channel: row.channel, status: row.status }, Math.max(0, (now.getTime() - Date.parse(row.oldestAt)) / 1000));
    }
    metrics.reviewsOpen.reset();
    metrics.reviewsOverdue.reset();
    for (const kind of Object.keys(kinds)) {
      metrics.reviewsOpen.set({ kind }, 0);
      metrics.reviewsOverdue.set({ kind }, 0);
    }
    for (const row of reviews) {
      metrics.reviewsOpen.set({ kind: row.kind }, row.open);
      metrics.reviewsOverdue.set({ kind: row.kind }, row.overdue);
    }
    last = Date.now();
  };
  return async function refresh(): Promise<void> {
    if (Date.now() - last < minIntervalMs) return;
    running ??= read().finally(() => (running = undefined));
    await running;
  };
}
