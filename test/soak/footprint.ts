import { createHash } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Pool } from 'pg';

/**
 * Every table of the records store, hashed: what a refused request must leave exactly as it was (R73).
 * The outbox by its keys only: delivery status moves on by itself after earlier accepted steps.
 */
export function storeFootprint(target: { databaseUrl?: string; dataDir: string }) {
  if (target.databaseUrl) {
    const pool = new Pool({ connectionString: target.databaseUrl, max: 2 });
    return {
      async read() {
        const tables = (await pool.query("select table_name from information_schema.tables where table_schema = 'public' and table_name not like 'kysely_%' order by table_name")).rows.map((r) => r.table_name as string);
        const hash = createHash('sha256');
        for (const name of tables) {
          const { rows } = await pool.query(name === 'outbox' ? 'select key from outbox order by key' : `select * from "${name}" order by 1, 2`);
          hash.update(`${name}:${JSON.stringify(rows)}\n`);
        }
        return hash.digest('hex');
      },
      close: () => pool.end(),
    };
  }
  const file = path.join(target.dataDir, 'records.sqlite');
  return {
    async read() {
      const db = new SQLite(file, { readonly: true });
      try {
        const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as Array<{ name: string }>;
        const hash = createHash('sha256');
        for (const { name } of tables) {
          const rows = name === 'outbox' ? db.prepare('select key from outbox order by key').all() : db.prepare(`select * from "${name}" order by rowid`).all();
          hash.update(`${name}:${JSON.stringify(rows)}\n`);
        }
        return hash.digest('hex');
      } finally {
        db.close();
      }
    },
    close: async () => {},
  };
}
