import fs from 'node:fs';
import path from 'node:path';

/**
 * The data folder holds the audit trail, customers' emails and phone numbers, the engine's history, the
 * payload key and the API keys: its owner's only. Creates it 0700, and brings an existing folder (a data
 * folder made by an earlier release, with 0755 and 0644) and everything in it to 0700 / 0600. Files
 * created later inherit the umask; `npm start` sets 0077, and SQLite gives its -wal and -shm files the
 * mode of their database.
 */
export function secureDataDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, true);
}

function tighten(target: string, isDir: boolean) {
  try {
    fs.chmodSync(target, isDir ? 0o700 : 0o600);
  } catch (err) {
    // Gone meanwhile (SQLite's -shm, a temp file): nothing to protect.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!isDir) return;
  for (const entry of fs.readdirSync(target, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory() || entry.isFile()) tighten(path.join(target, entry.name), entry.isDirectory());
  }
}

/** A file of the data folder, created 0600 before anything opens it (an existing one is brought to 0600). */
export function privateFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  fs.chmodSync(file, 0o600);
}
