import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { ProcessClient } from '../engineClient';
import { ProcessRefusal } from '../engineClient';
import type { Store } from '../store/db';

/**
 * The activities of a migration batch (workflows/migration.ts): list the processes to move, move them a
 * few at a time through each one's `migrate` Update, and record what became of each. All are safe to
 * retry: a process listed twice is listed once, and the Update id names the migration, so a process
 * moved before a crash answers as moved again.
 */
export function createMigrationActivities({ store, processes, log }: { store: Store; processes: ProcessClient; log: Logger }) {
  const migrations = store.kindMigrations;
  /**
   * The migration's row, or a failure not retried: the API takes the row back when it judged the batch's
   * start failed, and a batch started all the same must end, not retry forever holding the kind's lock.
   */
  const migrationOf = async (migrationId: string) =>
    (await migrations.get(migrationId)) ?? Promise.reject(ApplicationFailure.nonRetryable(`No migration ${migrationId}: its start was taken back.`, 'no_migration'));

  return {
    /** Lists the migration's processes as pending: those it names, or every open process of the kind on another version. */
    async listMigrationCandidates({ migrationId }: { migrationId: string }): Promise<number> {
      const migration = await migrationOf(migrationId);
      if (migration.processIds) {
        for (let i = 0; i < migration.processIds.length; i += 500) {
          const named = migration.processIds.slice(i, i + 500);
          const rows = await Promise.all(named.map((id) => store.getProcess(id)));
          await migrations.addItems(migrationId, named.map((processId, j) => ({ processId, fromVersion: rows[j]?.kindVersion ?? null, state: rows[j]?.state ?? null })));
          heartbeat(i);
        }
        return migration.processIds.length;
      }
      let listed = 0;
      for (let after = ''; ; ) {
        const page = await migrations.openNotOn(migration.kind, migration.to, after, 500);
        if (page.length === 0) return listed;
        await migrations.addItems(migrationId, page.map((p) => ({ processId: p.id, fromVersion: p.kindVersion, state: p.state })));
        listed += page.length;
        after = page[page.length - 1].id;
        heartbeat(after);
      }
    },

    /**
     * Moves up to `batch` pending processes, at most `perSecond` a second, so the engine and the
     * workers keep serving people while thousands move. Answers how many are still pending.
     */
    async moveProcesses({ migrationId, batch, perSecond }: { migrationId: string; batch: number; perSecond: number }): Promise<{ pending: number }> {
      const migration = await migrationOf(migrationId);
      const items = await migrations.pending(migrationId, batch);
      const actor = { id: migration.requestedBy, role: 'ops' as const };
      const gap = 1000 / perSecond;
      for (const item of items) {
        const started = Date.now();
        heartbeat(item.processId);
        const row = await store.getProcess(item.processId);
        if (!row || row.kind !== migration.kind) {
          await migrations.settle(migrationId, item.processId, 'stayed', { code: 'not_of_kind', reason: row ? `It is a ${row.kind} process, not ${migration.kind}.` : 'There is no such process.' });
        } else {
          try {
            const moved = await processes.migrate(item.processId, { to: migration.to, mapping: migration.mapping ?? undefined, actor, migrationId });
            await migrations.settle(migrationId, item.processId, 'moved', { toState: moved.toState });
          } catch (err) {
            if (err instanceof ProcessRefusal) await migrations.settle(migrationId, item.processId, 'stayed', { code: err.refusal.code, reason: err.refusal.reason });
            else {
              log.warn({ migrationId, processId: item.processId, err: (err as Error).message }, 'a process could not be moved');
              await migrations.settle(migrationId, item.processId, 'failed', { code: 'engine_error', reason: (err as Error).message.slice(0, 500) });
            }
          }
        }
        const wait = gap - (Date.now() - started);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      return { pending: (await migrations.counts(migrationId)).pending };
    },

    async finishMigration({ migrationId }: { migrationId: string }): Promise<void> {
      await migrations.finish(migrationId);
    },
  };
}

export type MigrationActivities = ReturnType<typeof createMigrationActivities>;
