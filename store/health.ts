import { sql, type Kysely } from 'kysely';
import type { Database } from './schema';

/**
 * What ops watch in the records store (metrics/storeGauges.ts): the outbox's backlog and the reviewers'
 * inbox. Grouped by whatever channels and statuses the rows hold, so a new status or channel shows up
 * as its own series without a change here; only `sent` is left out.
 */
export interface StoreHealth {
  outboxBacklog(): Promise<Array<{ channel: string; status: string; count: number; oldestAt: string }>>;
  /** Pending reviews per kind, and how many of them are past `now`. */
  reviews(now: string): Promise<Array<{ kind: string; open: number; overdue: number }>>;
}

export function createStoreHealth(db: Kysely<Database>): StoreHealth {
  return {
    async outboxBacklog() {
      const rows = await db
        .selectFrom('outbox')
        .select(['channel', 'status', (eb) => eb.fn.countAll().as('count'), (eb) => eb.fn.min('created_at').as('oldest')])
        .where('status', '<>', 'sent')
        .groupBy(['channel', 'status'])
        .execute();
      return rows.map((row) => ({ channel: row.channel, status: row.status, count: Number(row.count), oldestAt: String(row.oldest) }));
    },

    async reviews(now) {
      const rows = await db
        .selectFrom('tasks')
        .innerJoin('processes', 'processes.id', 'tasks.process_id')
        .select([
          'processes.kind as kind',
          (eb) => eb.fn.countAll().as('open'),
          sql<number>`sum(case when tasks.due_at < ${now} then 1 else 0 end)`.as('overdue'),
        ])
        .where('tasks.role', '=', 'reviewer')
        .groupBy('processes.kind')
        .execute();
      return rows.map((row) => ({ kind: row.kind, open: Number(row.open), overdue: Number(row.overdue ?? 0) }));
    },
  };
}
