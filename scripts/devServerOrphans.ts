/**
 * Clean restarts of `npm start`'s dev server. The server runs in its own process group, so when the
 * `npm start` process dies without its Ctrl-C (killed, out of memory) the server lives on, holding the
 * ports and the SQLite file. The next start finds it through the pid file in DATA_DIR (or, for an
 * orphan of a release that wrote none, by its `--db-filename`), and stops it only when it serves this
 * same data; anything else on the ports is refused with a sentence naming the port and the pid.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isListening } from './ports';
import { argv, commandLine, isAlive, listenerPid, processesWithArgument, stopPid } from './processes';

export const PID_FILE = 'temporal-dev-server.pid';

interface PidRecord {
  pid: number;
  port: number;
  uiPort: number;
  dataDir: string;
  startedAt: string;
}

const pidFile = (dataDir: string) => path.join(dataDir, PID_FILE);

const isDevServer = (pid: number) => {
  const args = argv(pid);
  return args.includes('server') && args.includes('start-dev');
};

/** The read-only Web UI server started beside the dev server (scripts/uiServer.ts) on this data folder. */
const isUiServerOf = (pid: number, dataDir: string) => {
  const args = argv(pid);
  const root = args[args.indexOf('--root') + 1];
  return args.includes('--root') && root !== undefined && path.resolve(root) === path.resolve(dataDir) && args.includes('temporal-ui');
};

function readPidFile(dataDir: string): PidRecord | undefined {
  try {
    const record = JSON.parse(fs.readFileSync(pidFile(dataDir), 'utf8')) as PidRecord;
    return Number.isInteger(record.pid) && record.pid > 0 ? record : undefined;
  } catch {
    return undefined;
  }
}

export function writePidFile(dataDir: string, record: Omit<PidRecord, 'dataDir' | 'startedAt'>) {
  const full: PidRecord = { ...record, dataDir: path.resolve(dataDir), startedAt: new Date().toISOString() };
  fs.writeFileSync(pidFile(dataDir), `${JSON.stringify(full)}\n`);
}

/** Removes the pid file if it still names `pid` (a later start may have written its own). */
export function removePidFile(dataDir: string, pid: number) {
  if (readPidFile(dataDir)?.pid === pid) fs.rmSync(pidFile(dataDir), { force: true });
}

/** A sentence naming what holds a port. */
function holderOf(port: number): string {
  const pid = listenerPid(port);
  if (pid === undefined) return 'a process this user cannot see';
  if (!isDevServer(pid)) return `pid ${pid} (${commandLine(pid).slice(0, 160)})`;
  const args = argv(pid);
  const db = args[args.indexOf('--db-filename') + 1];
  return `pid ${pid}, a Temporal dev server ${args.includes('--db-filename') ? `serving ${db}` : 'keeping its state in memory'} (perhaps left by an earlier start that was killed)`;
}

/**
 * Stops a dev server left running on this data (`dbFile`, or this folder's pid file), then makes sure
 * the ports are free: otherwise it throws, naming the port and the pid that holds it.
 */
export async function clearTheWay(opts: { dataDir: string; dbFile?: string; port: number; uiPort: number; log: (line: string) => void }): Promise<void> {
  const orphans = new Set<number>();
  const recorded = readPidFile(opts.dataDir);
  if (recorded && isAlive(recorded.pid) && isDevServer(recorded.pid)) orphans.add(recorded.pid);
  if (opts.dbFile) for (const pid of processesWithArgument(path.resolve(opts.dbFile))) if (isDevServer(pid)) orphans.add(pid);
  for (const pid of orphans) {
    opts.log(`A Temporal dev server from an earlier start still runs on this data folder (pid ${pid}); stopping it before starting afresh.`);
    await stopPid(pid);
  }
  // Its Web UI server, left by the same killed start, holds the UI port.
  for (const pid of new Set([...processesWithArgument(opts.dataDir), ...processesWithArgument(path.resolve(opts.dataDir))])) {
    if (!isUiServerOf(pid, opts.dataDir)) continue;
    opts.log(`The Web UI server of an earlier start still runs on this data folder (pid ${pid}); stopping it.`);
    await stopPid(pid);
  }
  if (recorded && !isAlive(recorded.pid)) fs.rmSync(pidFile(opts.dataDir), { force: true });

  for (const [port, what] of [
    [opts.port, 'gRPC port (TEMPORAL_DEV_PORT)'],
    [opts.uiPort, 'Web UI port (TEMPORAL_UI_PORT)'],
  ] as const) {
    // A server just stopped can hold its port a moment longer while it closes: a few seconds' grace before refusing.
    for (let waited = 0; waited < 5000 && (await isListening(port)); waited += 250) await new Promise((resolve) => setTimeout(resolve, 250));
    if (await isListening(port)) {
      const holder = holderOf(port);
      const pid = /^pid (\d+)/.exec(holder)?.[1];
      throw new Error(
        `Cannot start the Temporal dev server for ${path.resolve(opts.dataDir)}: its ${what} ${port} is in use by ${holder}. ` +
          `${pid ? `Stop it (kill ${pid}) or choose` : 'Choose'} another port.`,
      );
    }
  }
}
