import type { Kysely } from 'kysely';
import type { Database, KindMigrationItemsTable } from './schema';

/** Migrations of open processes to another version of their kind (POST /v1/migrations), and what became of each process. */

export interface KindMigration {
  id: string;
  kind: string;
  to: number;
  mapping: Record<string, string> | null;
  processIds: string[] | null;
  requestedBy: string;
  status: 'running' | 'done';
  createdAt: string;
  finishedAt: string | null;
}

export interface KindMigrationItem {
  processId: string;
  fromVersion: number | null;
  state: string | null;
  outcome: KindMigrationItemsTable['outcome'];
  toState: string | null;
  code: string | null;
  reason: string | null;
  updatedAt: string;
}

export type Outcome = KindMigrationItem['outcome'];

const now = () => new Date().toISOString();

export function createKindMigrationStore(db: Kysely<Database>) {
  const fromRow = (row: Database['kind_migrations']): KindMigration => ({
    id: row.id,
    kind: row.kind,
    to: Number(row.to_version),
    mapping: row.mapping ? JSON.parse(row.mapping) : null,
    processIds: row.process_ids ? JSON.parse(row.process_ids) : null,
    requestedBy: row.requested_by,
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  });
  const itemFromRow = (row: KindMigrationItemsTable): KindMigrationItem => ({
    processId: row.process_id,
    fromVersion: row.from_version === null ? null : Number(row.from_version),
    state: row.state,
    outcome: row.outcome,
    toState: row.to_state,
    code: row.code,
    reason: row.reason,
    updatedAt: row.updated_at,
  });

  return {
    async create(migration: Omit<KindMigration, 'status' | 'createdAt' | 'finishedAt'>): Promise<KindMigration> {
      const row = {
        id: migration.id,
        kind: migration.kind,
        to_version: migration.to,
        mapping: migration.mapping ? JSON.stringify(migration.mapping) : null,
        process_ids: migration.processIds ? JSON.stringify(migration.processIds) : null,
        requested_by: migration.requestedBy,
        status: 'running' as const,
        created_at: now(),
        finished_at: null,
      };
      await db.insertInto('kind_migrations').values(row).onConflict((oc) => oc.column('id').doNothing()).execute();
      return fromRow((await db.selectFrom('kind_migrations').selectAll().where('id', '=', migration.id).executeTakeFirstOrThrow()) as Database['kind_migrations']);
    },

    async get(id: string): Promise<KindMigration | null> {
      const row = await db.selectFrom('kind_migrations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row as Database['kind_migrations']) : null;
    },

    /** The running migration of a kind, if any. */
    async running(kind: string): Promise<KindMigration | null> {
      const row = await db.selectFrom('kind_migrations').selectAll().where('kind', '=', kind).where('status', '=', 'running').executeTakeFirst();
      return row ? fromRow(row as Database['kind_migrations']) : null;
    },

    /** Newest first. */
    async list(limit: number): Promise<KindMigration[]> {
      const rows = await db.selectFrom('kind_migrations').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map((row) => fromRow(row as Database['kind_migrations']));
    },

    /** Adds processes to a migration as pending; a process already listed keeps what became of it (a retried listing). */
    async addItems(id: string, items: Array<{ processId: string; fromVersion: number | null; state: string | null }>): Promise<void> {
      if (items.length === 0) return;
      await db
        .insertInto('kind_migration_items')
        .values(items.map((i) => ({ migration_id: id, process_id: i.processId, from_version: i.fromVersion, state: i.state, outcome: 'pending' as const, to_state: null, code: null, reason: null, updated_at: now() })))
        .onConflict((oc) => oc.columns(['migration_id', 'process_id']).doNothing())
        .execute();
    },

    /** The next processes still to move, in a stable order. */
    async pending(id: string, limit: number): Promise<KindMigrationItem[]> {
      const rows = await db.selectFrom('kind_migration_items').selectAll().where('migration_id', '=', id).where('outcome', '=', 'pending').orderBy('process_id').limit(limit).execute();
      return rows.map((row) => itemFromRow(row as KindMigrationItemsTable));
    },

    async settle(id: string, processId: string, outcome: Exclude<Outcome, 'pending'>, detail: { toState?: string; code?: string; reason?: string } = {}): Promise<void> {
      await db
        .updateTable('kind_migration_items')
        .set({ outcome, to_state: detail.toState ?? null, code: detail.code ?? null, reason: detail.reason ?? null, updated_at: now() })
        .where('migration_id', '=', id)
        .where('process_id', '=', processId)
        .execute();
    },

    async items(id: string): Promise<KindMigrationItem[]> {
      const rows = await db.selectFrom('kind_migration_items').selectAll().where('migration_id', '=', id).orderBy('process_id').execute();
      return rows.map((row) => itemFromRow(row as KindMigrationItemsTable));
    },

    async counts(id: string): Promise<Record<Outcome, number>> {
      const rows = await db.selectFrom('kind_migration_items').select(['outcome', (eb) => eb.fn.countAll<number>().as('n')]).where('migration_id', '=', id).groupBy('outcome').execute();
      const counts: Record<Outcome, number> = { pending: 0, moved: 0, stayed: 0, failed: 0 };
      for (const row of rows) counts[row.outcome] = Number(row.n);
      return counts;
    },

    /** Takes back a migration whose batch never started: it leaves no trace. */
    async remove(id: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('kind_migration_items').where('migration_id', '=', id).execute();
        await trx.deleteFrom('kind_migrations').where('id', '=', id).execute();
      });
    },

    /**
     * Marks done every migration of a kind still running but `exceptId`: once `exceptId`'s batch holds the
     * kind's lock (its workflow id), any other left running is one whose batch never started or was stopped.
     */
    async finishOthers(kind: string, exceptId: string): Promise<void> {
      await db.updateTable('kind_migrations').set({ status: 'done', finished_at: now() }).where('kind', '=', kind).where('status', '=', 'running').where('id', '!=', exceptId).execute();
    },

    async finish(id: string): Promise<void> {
      await db.updateTable('kind_migrations').set({ status: 'done', finished_at: now() }).where('id', '=', id).where('status', '=', 'running').execute();
    },

    /** Open processes of a kind not on version `to`, after `afterId`, in id order: the candidates of a migration. */
    async openNotOn(kind: string, to: number, afterId: string, limit: number): Promise<Array<{ id: string; kindVersion: number; state: string }>> {
      const rows = await db
        .selectFrom('processes')
        .select(['id', 'kind_version', 'state'])
        .where('kind', '=', kind)
        .where('done', '=', 0)
        .where('kind_version', '!=', to)
        .where('version', '>=', 0)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ id: r.id, kindVersion: Number(r.kind_version), state: r.state }));
    },

    /** How many open processes of a kind run on each version. */
    async runningVersions(kind: string): Promise<Array<{ version: number; open: number }>> {
      const rows = await db
        .selectFrom('processes')
        .select(['kind_version', (eb) => eb.fn.countAll<number>().as('n')])
        .where('kind', '=', kind)
        .where('done', '=', 0)
        .groupBy('kind_version')
        .orderBy('kind_version')
        .execute();
      return rows.map((r) => ({ version: Number(r.kind_version), open: Number(r.n) }));
    },
  };
}

export type KindMigrationStore = ReturnType<typeof createKindMigrationStore>;
