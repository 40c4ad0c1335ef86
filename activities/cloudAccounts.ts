import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import { privateFile } from '../store/dataDir';

/** The vendor's cloud-account system, as the partner center sees it when it creates a customer (R66). */
export interface CloudAccounts {
  /**
   * Opens the cloud account for this request, or returns the one this request opened before: the same
   * `requestId` never opens a second account, however often it is retried.
   */
  open(request: { requestId: string; name: string; email?: string; phone?: string }): Promise<{ accountId: string }>;
}

/**
 * A stand-in for the vendor's account system, in its own SQLite file (not the records store: it is
 * another system). The request id is the primary key, so a retry finds the account it opened.
 */
export function sqliteCloudAccounts(file: string): CloudAccounts & { close(): void } {
  // Names, emails and phone numbers: the owner's only.
  privateFile(file);
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`create table if not exists cloud_accounts (
    request_id text primary key, account_id text not null unique, name text not null,
    email text, phone text, opened_at text not null)`);
  const insert = db.prepare('insert into cloud_accounts values (?, ?, ?, ?, ?, ?) on conflict(request_id) do nothing');
  const find = db.prepare<[string], { account_id: string }>('select account_id from cloud_accounts where request_id = ?');
  return {
    async open({ requestId, name, email, phone }) {
      insert.run(requestId, `hwc_${randomBytes(8).toString('hex')}`, name, email ?? null, phone ?? null, new Date().toISOString());
      return { accountId: find.get(requestId)!.account_id };
    },
    close: () => db.close(),
  };
}
