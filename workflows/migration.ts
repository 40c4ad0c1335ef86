import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MigrationActivities } from '../activities/migrations';

const { listMigrationCandidates, moveProcesses, finishMigration } = proxyActivities<MigrationActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface MigrationArgs {
  migrationId: string;
  /** Processes moved per activity; the store keeps each one's outcome, so a crash resumes where it stopped. */
  batch?: number;
  /** At most this many processes a second. */
  perSecond?: number;
  /** Set when this run continues an earlier one: the listing is done. */
  listed?: boolean;
}

/**
 * A migration of a kind's open processes to another version (POST /v1/migrations): durable, rate-limited,
 * resumable after a crash, and idempotent (each process's Update is named after the migration). One at a
 * time per kind: its workflow id names the kind.
 */
export async function migrateProcesses(args: MigrationArgs): Promise<void> {
  const { migrationId, batch = 50, perSecond = 50 } = args;
  if (!args.listed) await listMigrationCandidates({ migrationId });
  for (;;) {
    const { pending } = await moveProcesses({ migrationId, batch, perSecond });
    if (pending === 0) break;
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof migrateProcesses>({ ...args, listed: true });
  }
  await finishMigration({ migrationId });
}

/** One migration per kind at a time. */
export const migrationWorkflowId = (kind: string) => `migration:${kind}`;
