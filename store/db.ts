import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { privateFile, secureDataDir } from './dataDir';
import { migrationProvider } from './migrations';
import type { Database } from './schema';
import { createStore, type Dialect, type Store } from './store';

export { StoreInputError } from './errors';
export type { OutboxEntry, PartnerPatch, PartnerSeed, ProcessQuery, SaveStepOptions, Store, TaskQuery } from './store';
export type { OutboxRow } from './rows';
export type { Claim, OutboxBacklog } from './outbox';
export { webhookEventTypes, type WebhookEndpoint, type WebhookEventType } from './webhooks';
export { newPartner } from './store';
export type { Customer, CustomerStore, ManagerPeriod, SalesTask, SalesTaskRecord } from './customers';
export { DelegationConflict } from './staff';
export type { Delegation, DecisionRow, KeyEvent, ManagedKey, Person, StaffStore } from './staff';

export interface StoreOptions {
  /** `postgres://…` or `postgresql://…` selects PostgreSQL; anything else the SQLite file. */
  databaseUrl?: string;
  /** Folder of the SQLite file `records.sqlite`; default `data`. */
  dataDir?: string;
  log?: Logger;
}

function connect({ databaseUrl, dataDir }: StoreOptions): { db: Kysely<Database>; dialect: Dialect; where: string } {
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) {
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new Pool({ connectionString: databaseUrl }) }) });
    return { db, dialect: 'postgres', where: new URL(databaseUrl).host };
  }
  const dir = dataDir ?? 'data';
  // The audit trail and customers' contacts: the folder and the file are their owner's only.
  secureDataDir(dir);
  const file = path.join(dir, 'records.sqlite');
  privateFile(file);
  const sqlite = new SQLite(file);
  // WAL lets the API read while a worker writes; busy_timeout makes a second process wait instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: preparingOnce(sqlite) }) }), dialect: 'sqlite', where: file };
}

/**
 * The SQLite file as Kysely sees it, with each statement prepared once. Kysely prepares every query it
 * runs, and a worker runs the same dozen statements on every step. Bounded, in case some caller builds
 * many different ones (an `in` list of each length is a statement of its own).
 */
function preparingOnce(sqlite: SQLite.Database, limit = 200): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) statements.delete(sql);
      else statement = sqlite.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > limit) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}

/** Opens the records store and brings its schema up to date. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const { db, dialect, where } = connect(opts);
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw new Error(`Migrating the records store at ${where} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  for (const result of results ?? []) opts.log?.info({ migration: result.migrationName, status: result.status }, 'records store migration');
  opts.log?.info({ dialect, where }, 'records store open');
  return createStore(db, dialect);
}
