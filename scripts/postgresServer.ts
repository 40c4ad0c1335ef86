/**
 * A PostgreSQL server of the project's own, from the machine's installed binaries (Debian's `postgresql`
 * package): a cluster in a folder, on a port, trust authentication on 127.0.0.1 only. `npm run cluster`
 * keeps one for the Temporal server and the records store (scripts/cluster.ts); the tests start
 * throwaway ones (test/support/postgres.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The folder with initdb and pg_ctl: PATH first, then Debian's versioned folders, newest first. */
export function findPostgresBin(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl'))) return dir;
  const debian = '/usr/lib/postgresql';
  if (!fs.existsSync(debian)) return undefined;
  const versions = fs.readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (fs.existsSync(path.join(debian, v, 'bin', 'initdb'))) return path.join(debian, v, 'bin');
  return undefined;
}

export const asRoot = () => process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: its tools run as the `postgres` user then (Debian creates it). */
export function runAsPostgres(file: string, args: string[]): string {
  const [cmd, all] = asRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return execFileSync(cmd, all, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** Makes `dir` the postgres user's (when we are root), so the server can write there. */
export function ownForPostgres(dir: string) {
  if (asRoot()) execFileSync('chown', ['-R', 'postgres:', dir]);
}

export interface PostgresCluster {
  bin: string;
  /** Holds `data/`, the log and the socket. */
  dir: string;
  port: number;
}

const dataOf = (cluster: PostgresCluster) => path.join(cluster.dir, 'data');
const logOf = (cluster: PostgresCluster) => path.join(cluster.dir, 'postgres.log');

export const postgresUrl = (port: number, database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;

/**
 * The first folder above `dir` that another user cannot pass through (no o+x), else undefined. As root,
 * PostgreSQL's tools run as that other user and need every folder on the way to theirs.
 */
export function closedAncestor(dir: string): string | undefined {
  for (let folder = path.dirname(path.resolve(dir)); ; folder = path.dirname(folder)) {
    if (fs.existsSync(folder) && (fs.statSync(folder).mode & 0o001) === 0) return folder;
    if (folder === path.dirname(folder)) return undefined;
  }
}

/** Before initdb or pg_ctl as the postgres user: a sentence naming the folder in its way, not "Permission denied". */
function assertReachable(cluster: PostgresCluster) {
  const closed = asRoot() ? closedAncestor(cluster.dir) : undefined;
  if (closed) throw new Error(`The postgres user cannot reach ${cluster.dir}: ${closed} is closed to other users (mode ${(fs.statSync(closed).mode & 0o777).toString(8)}; chmod o+x ${closed}, or choose a DATA_DIR elsewhere).`);
}

/** Creates the cluster's files unless they exist; true when it did. */
export function initPostgres(cluster: PostgresCluster): boolean {
  if (fs.existsSync(path.join(dataOf(cluster), 'PG_VERSION'))) return false;
  assertReachable(cluster);
  // Its own user's only (initdb makes data/ 0700 too; the log and the socket sit beside it).
  fs.mkdirSync(cluster.dir, { recursive: true, mode: 0o700 });
  ownForPostgres(cluster.dir);
  try {
    runAsPostgres(path.join(cluster.bin, 'initdb'), ['-D', dataOf(cluster), '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message;
    const hint = /Permission denied/.test(stderr) ? ` The postgres user must be able to reach ${cluster.dir}: every folder above it needs o+x (chmod o+x).` : '';
    throw new Error(`Creating a PostgreSQL cluster in ${cluster.dir} failed: ${stderr.trim()}.${hint}`, { cause: error });
  }
  return true;
}

/** Starts it and waits until it accepts connections; the error carries the server's log. */
export function startPostgres(cluster: PostgresCluster, settings: string[] = []) {
  assertReachable(cluster);
  try {
    runAsPostgres(path.join(cluster.bin, 'pg_ctl'), [
      '-D', dataOf(cluster), '-l', logOf(cluster), '-w', '-t', '60',
      '-o', [`-p ${cluster.port}`, `-k ${cluster.dir}`, '-c listen_addresses=127.0.0.1', ...settings.map((s) => `-c ${s}`)].join(' '),
      'start',
    ]);
  } catch (error) {
    const log = fs.existsSync(logOf(cluster)) ? fs.readFileSync(logOf(cluster), 'utf8').split('\n').slice(-15).join('\n') : '';
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`Starting PostgreSQL (${dataOf(cluster)}, port ${cluster.port}) failed: ${stderr}${log}`, { cause: error });
  }
}

export async function stopPostgres(cluster: PostgresCluster): Promise<void> {
  try {
    runAsPostgres(path.join(cluster.bin, 'pg_ctl'), ['-D', dataOf(cluster), '-m', 'fast', '-w', 'stop']);
    return;
  } catch (error) {
    // A cluster of the earlier layout, under DATA_DIR, which the product's parts close to its owner (0700):
    // root's postgres user cannot reach its data folder, root still can. A fast shutdown is SIGINT to the
    // postmaster, as pg_ctl sends it.
    const pid = asRoot() ? postgresPid(cluster) : undefined;
    if (pid === undefined) throw error;
    process.kill(pid, 'SIGINT');
    for (const deadline = Date.now() + 60_000; postgresPid(cluster) !== undefined; ) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL (pid ${pid}) did not stop within a minute of a fast shutdown.`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The postmaster's pid while it runs (from its pid file), else undefined. */
export function postgresPid(cluster: PostgresCluster): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataOf(cluster), 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
