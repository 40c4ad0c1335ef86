import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/devServer';
import { findPostgresBin } from '../../scripts/postgresServer';

/**
 * A throwaway PostgreSQL for the store's tests: `TEST_DATABASE_URL` when set (CI's `.ci/run` sets it),
 * else a cluster of its own in a temp folder when the server binaries are installed (Debian's
 * `postgresql` package), so `npm test` on a machine with PostgreSQL covers both dialects.
 */

export { findPostgresBin };

export interface ThrowawayPostgres {
  url: string;
  stop(): void;
}

/** PostgreSQL refuses to run as root: run its tools as the `postgres` user then (Debian creates it). */
function runner(): (file: string, args: string[]) => void {
  const asRoot = process.getuid?.() === 0;
  return (file, args) => {
    const [cmd, all] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
    execFileSync(cmd, all, { stdio: ['ignore', 'pipe', 'pipe'] });
  };
}

export async function startThrowawayPostgres(bin: string): Promise<ThrowawayPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-pg-'));
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres:', dir]);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const run = runner();
  try {
    run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
    run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  } catch (error) {
    const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`Starting a throwaway PostgreSQL from ${bin} failed: ${stderr}${log}`, { cause: error });
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
