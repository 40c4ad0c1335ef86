/**
 * Starts the Temporal dev server (`temporal server start-dev`) on a SQLite file under the data folder,
 * so processes survive a restart, with the project's search attributes registered, and the Web UI beside
 * it, read-only (scripts/uiServer.ts: the dev server's built-in UI cannot turn its writes off).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { secureDataDir } from '../store/dataDir';
import { clearTheWay, removePidFile, writePidFile } from './devServerOrphans';
import { listenerPid } from './processes';
import { findOrBuildTemporalCli } from './temporalCli';
import { startUiServer, type UiServer } from './uiServer';

/**
 * The search attributes ops filter by in the Web UI (docs/OPERATIONS.md); the workflows keep them current.
 * The name is what a list query uses, the type as `temporal ... --search-attribute` spells it.
 */
export const SEARCH_ATTRIBUTE_TYPES = {
  ProcessKind: 'Keyword',
  PartnerId: 'Keyword',
  ProcessState: 'Keyword',
  /** The roles the process waits for now (empty when nobody's move, e.g. ended). */
  WaitingFor: 'KeywordList',
  /** When the earliest pending review is due; unset when no review is pending. */
  ReviewDueAt: 'Datetime',
  /** The version of its kind a process runs on. */
  KindVersion: 'Int',
} as const;
export const SEARCH_ATTRIBUTES = Object.keys(SEARCH_ATTRIBUTE_TYPES) as Array<keyof typeof SEARCH_ATTRIBUTE_TYPES>;

/** How the engine's API names each type. */
export const INDEXED_TYPES = { Keyword: 'KEYWORD', KeywordList: 'KEYWORD_LIST', Datetime: 'DATETIME', Int: 'INT' } as const;

export interface DevServerOptions {
  dataDir: string;
  /** gRPC port; DESIGN.md's default 7233 (the caller reads TEMPORAL_DEV_PORT). */
  port?: number;
  /** Web UI port; default 8233 (the caller reads TEMPORAL_UI_PORT). */
  uiPort?: number;
  namespace?: string;
  log?: (line: string) => void;
  /** The CLI to run; found or built with findOrBuildTemporalCli when omitted. */
  cliPath?: string;
  /**
   * Keep the server's state in `dataDir/temporal.sqlite` (default). False keeps it in memory, gone when
   * the server stops: the benchmark measures the engine's cost, not a single SQLite file's fsyncs.
   */
  persist?: boolean;
  /** How long to wait for the server to answer; default 60 s. */
  readyTimeoutMs?: number;
  /**
   * Run in its own process group, so a Ctrl-C in the terminal reaches only our process, which stops
   * the API and the worker first and the server last (`npm start`).
   */
  ownProcessGroup?: boolean;
  /** The API's codec endpoint the Web UI decodes payloads with (no secret in it: the browser's codec session proves ops). */
  codecEndpoint?: string;
  /** Start the read-only Web UI beside the server (default true). */
  ui?: boolean;
}

export interface DevServer {
  /** host:port for Connection.connect. */
  address: string;
  /** The Web UI's address (when started). */
  uiUrl: string;
  /** The server's process, for measuring what it costs (the benchmark). */
  pid: number;
  /** The Web UI server's process, when it runs. */
  uiPid?: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const STOP_GRACE_MS = 10_000;

export { freePort } from './ports';

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const log = opts.log ?? (() => {});
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  const namespace = opts.namespace ?? 'default';
  const cli = opts.cliPath ?? (await findOrBuildTemporalCli(log));
  // The engine's SQLite file holds every payload and search attribute: the folder is its owner's only.
  secureDataDir(opts.dataDir);
  const dbFile = opts.persist === false ? undefined : path.resolve(opts.dataDir, 'temporal.sqlite');
  // Never a second server on the same SQLite file, and never someone else's server taken for ours.
  await clearTheWay({ dataDir: opts.dataDir, dbFile, port, uiPort, log });

  const args = [
    'server', 'start-dev',
    ...(dbFile ? ['--db-filename', dbFile] : []),
    '--ip', HOST,
    '--port', String(port),
    // The built-in UI cannot turn writes off; ours runs beside it (startUiServer).
    '--headless',
    '--namespace', namespace,
    ...SEARCH_ATTRIBUTES.flatMap((name) => ['--search-attribute', `${name}=${SEARCH_ATTRIBUTE_TYPES[name]}`]),
    '--log-level', 'warn',
  ];
  const address = `${HOST}:${port}`;
  const uiUrl = `http://${HOST}:${uiPort}`;
  log(`Starting the Temporal dev server: ${address}, Web UI ${uiUrl}, data ${opts.dataDir}`);

  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.ownProcessGroup ?? false });
  const output = captureOutput(child, log);
  // A test runner or script that dies must not leave a server holding the ports.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let ui: UiServer | undefined;
  if (child.pid) writePidFile(opts.dataDir, { pid: child.pid, port, uiPort });

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await ui?.stop();
    output.quiet = true; // shutdown prints a burst of harmless connection warnings
    await stopChild(child);
    if (child.pid) removePidFile(opts.dataDir, child.pid);
  };

  try {
    await waitUntilReady(child, address, namespace, opts.readyTimeoutMs ?? 60_000, output.tail);
    // The one answering must be the one we started, not another that took the port meanwhile.
    const holder = listenerPid(port);
    if (holder !== undefined && holder !== child.pid) throw new Error(`Port ${port} is answered by pid ${holder}, not by the dev server just started (pid ${child.pid}); stop pid ${holder} or choose another port.`);
    // Created by the server with the process's umask: closed to others like the rest of the folder.
    secureDataDir(opts.dataDir);
    if (opts.ui !== false)
      ui = await startUiServer({ dataDir: opts.dataDir, temporalAddress: address, host: HOST, port: uiPort, namespace, codecEndpoint: opts.codecEndpoint, log });
  } catch (err) {
    await stop();
    throw err;
  }
  log(`The Temporal dev server is ready: ${address}, Web UI ${uiUrl}`);
  return { address, uiUrl, pid: child.pid!, ...(ui ? { uiPid: ui.pid } : {}), stop };
}

function captureOutput(child: ChildProcess, log: (line: string) => void) {
  const state = { quiet: false, tail: [] as string[] };
  const onLine = (line: string) => {
    state.tail.push(line);
    if (state.tail.length > 30) state.tail.shift();
    if (!state.quiet && line.trim()) log(`temporal: ${line}`);
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', onLine);
  return state;
}

/** Ready means: the namespace answers over gRPC. */
async function waitUntilReady(
  child: ChildProcess,
  address: string,
  namespace: string,
  timeoutMs: number,
  tail: string[],
): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `code ${code}`));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt yet';
  // One lazy connection for all attempts, closed at the end, so failed attempts leave no channel open.
  const connection = Connection.lazy({ address, connectTimeout: 1000 });
  try {
    for (;;) {
      if (spawnError) throw new Error(`Could not run the Temporal CLI: ${spawnError.message}`);
      if (exited) {
        throw new Error(
          `The Temporal dev server exited (${exited}) before it was ready on ${address}. Its last output:\n` +
            tail.slice(-15).join('\n'),
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The Temporal dev server did not become ready on ${address} within ${timeoutMs / 1000} s ` +
            `(last error: ${lastError}). Its last output:\n${tail.slice(-15).join('\n')}`,
        );
      }
      try {
        // A deadline, so the client's own retries cannot outlast our timeout.
        await connection.withDeadline(Date.now() + 2000, () =>
          connection.workflowService.describeNamespace({ namespace }),
        );
        return;
      } catch (err) {
        lastError = (err as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await connection.close();
  }
}

/** SIGTERM lets the server close its SQLite file cleanly; SIGKILL if it hangs. */
function stopChild(child: ChildProcess): Promise<void> {
  const gone = child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
  if (gone) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Registers the search attributes where missing: needed on an external cluster (TEMPORAL_ADDRESS),
 * and on a dev server data folder from before an attribute was added; a no-op otherwise.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, number> = {};
  for (const name of SEARCH_ATTRIBUTES) {
    const wanted = encodeSearchAttributeIndexedValueType(INDEXED_TYPES[SEARCH_ATTRIBUTE_TYPES[name]])!;
    const existing = customAttributes?.[name];
    if (existing === undefined || existing === null) missing[name] = wanted;
    else if (existing !== wanted) {
      throw new Error(
        `The search attribute ${name} exists in namespace ${namespace} with another type; ` +
          `partnerflow needs it as ${SEARCH_ATTRIBUTE_TYPES[name]}.`,
      );
    }
  }
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (err) {
    // Another worker may have registered them a moment earlier.
    if ((err as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw err;
  }
}
