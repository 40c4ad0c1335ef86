import type { Kysely, Selectable } from 'kysely';
import { decodeCursor, pageOf } from './cursor';
import type { Database, RepairsTable } from './schema';

/** Ops' repairs through the API, audited: each is written before it is tried, then marked done or failed. */

export interface Repair {
  id: string;
  processId: string;
  action: string;
  reason: string;
  detail: Record<string, unknown>;
  actorId: string;
  actorRole: string;
  requestedAt: string;
  outcome: 'requested' | 'done' | 'failed';
  error: string | null;
  finishedAt: string | null;
}

const repairFromRow = (row: Selectable<RepairsTable>): Repair => ({
  id: row.id,
  processId: row.process_id,
  action: row.action,
  reason: row.reason,
  detail: JSON.parse(row.detail) as Record<string, unknown>,
  actorId: row.actor_id,
  actorRole: row.actor_role,
  requestedAt: row.requested_at,
  outcome: row.outcome as Repair['outcome'],
  error: row.error,
  finishedAt: row.finished_at,
});

export function createRepairStore(db: Kysely<Database>) {
  return {
    async begin(repair: Omit<Repair, 'outcome' | 'error' | 'finishedAt'>) {
      await db
        .insertInto('repairs')
        .values({
          id: repair.id,
          process_id: repair.processId,
          action: repair.action,
          reason: repair.reason,
          detail: JSON.stringify(repair.detail),
          actor_id: repair.actorId,
          actor_role: repair.actorRole,
          requested_at: repair.requestedAt,
          outcome: 'requested',
          error: null,
          finished_at: null,
        })
        .execute();
    },

    async finish(id: string, outcome: 'done' | 'failed', error: string | null, at: string) {
      await db.updateTable('repairs').set({ outcome, error, finished_at: at }).where('id', '=', id).execute();
      return repairFromRow((await db.selectFrom('repairs').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));
    },

    /** Newest first. */
    async list(query: { processId?: string; limit: number; cursor?: string }) {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const rows = await db
        .selectFrom('repairs')
        .selectAll()
        .$if(query.processId !== undefined, (qb) => qb.where('process_id', '=', query.processId!))
        .$if(after !== undefined, (qb) =>
          qb.where((eb) => eb.or([eb('requested_at', '<', after!.at), eb.and([eb('requested_at', '=', after!.at), eb('id', '<', after!.id)])])),
        )
        .orderBy('requested_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit + 1)
        .execute();
      return pageOf(rows, query.limit, repairFromRow, (r) => ({ at: r.requestedAt, id: r.id }));
    },
  };
}

export type RepairStore = ReturnType<typeof createRepairStore>;
