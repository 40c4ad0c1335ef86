import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';

/**
 * The outbox dispatcher: one long-lived workflow per task queue (worker/dispatcher.ts starts it), whose
 * only work is its activity, `drainOutbox`, which sends every message due from the records store's
 * outbox in batches for a few minutes at a time (activities/dispatcher.ts). Sending stays in activities,
 * retried and visible to ops, and off each process's history. A dead worker's attempt is noticed by
 * its missed heartbeats and retried on another worker; the messages it had claimed go out again once
 * their claims expire, with the same ids (R74).
 */

const { drainOutbox } = proxyActivities<Pick<Activities, 'drainOutbox'>>({
  // An attempt ends by itself after `forMs`; this only bounds a stuck one.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

export interface OutboxDispatcherArgs {
  /** How long each activity attempt drains before it returns (default 5 minutes). */
  drainMs?: number;
}

export async function outboxDispatcher(args: OutboxDispatcherArgs = {}): Promise<void> {
  // Each drain costs a handful of history events: a fresh run every few hundred keeps the history short.
  while (!workflowInfo().continueAsNewSuggested && workflowInfo().historyLength < 500) {
    await drainOutbox({ forMs: args.drainMs ?? 5 * 60_000 });
  }
  await continueAsNew<typeof outboxDispatcher>(args);
}
