/**
 * The Temporal Web UI, run as its own server (the official ui-server, the same release the CLI embeds)
 * rather than the dev server's built-in one, because only the standalone server reads the settings that
 * make it safe to leave open on a developer's machine: writes off (no terminate, cancel, signal, update,
 * reset, start or batch from the UI: repairs go through the API, audited), and the codec endpoint named
 * without any secret (the browser proves ops with the console's codec session cookie). Its settings are a
 * file in the data folder (0600), so nothing secret appears in a process list.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { findOrBuildGoTool, type GoTool } from './temporalCli';

export const UI_SERVER_VERSION = 'v2.42.1';

export const uiServerTool: GoTool = {
  label: 'the Temporal Web UI server',
  envVar: 'TEMPORAL_UI_SERVER_PATH',
  module: 'github.com/temporalio/ui-server/v2/cmd/server',
  version: UI_SERVER_VERSION,
  cacheDir: `temporal-ui-server-${UI_SERVER_VERSION}`,
  binary: 'server',
};

export interface UiServerOptions {
  dataDir: string;
  /** The engine's frontend, host:port. */
  temporalAddress: string;
  host: string;
  port: number;
  namespace: string;
  /** The API's codec endpoint (`http://HOST:PORT/codec`): no token in it, the browser sends the session cookie. */
  codecEndpoint?: string;
  log: (line: string) => void;
  readyTimeoutMs?: number;
}

/** The settings file: every write switch off; the codec without a secret, with the browser's credentials. */
export function uiSettings(opts: Pick<UiServerOptions, 'temporalAddress' | 'host' | 'port' | 'namespace' | 'codecEndpoint'>): string {
  const lines = [
    '# Written by partnerflow at each start (scripts/uiServer.ts); edits are overwritten.',
    `temporalGrpcAddress: ${JSON.stringify(opts.temporalAddress)}`,
    `host: ${JSON.stringify(opts.host)}`,
    `port: ${opts.port}`,
    'enableUi: true',
    `defaultNamespace: ${JSON.stringify(opts.namespace)}`,
    'hideLogs: true',
    'notifyOnNewVersion: false',
    // Read-only: the UI's API refuses every write but queries (405), and the UI hides the buttons.
    'disableWriteActions: true',
    'workflowTerminateDisabled: true',
    'workflowCancelDisabled: true',
    'workflowSignalDisabled: true',
    'workflowUpdateDisabled: true',
    'workflowResetDisabled: true',
    'batchActionsDisabled: true',
    'startWorkflowDisabled: true',
    'activityCommandsDisabled: true',
    'cors:',
    // Plain http on a developer's machine, as the dev server's own UI runs.
    '  cookieInsecure: true',
    ...(opts.codecEndpoint ? ['codec:', `  endpoint: ${JSON.stringify(opts.codecEndpoint)}`, '  includeCredentials: true'] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export interface UiServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const binary = await findOrBuildGoTool(uiServerTool, opts.log);
  const configDir = path.join(opts.dataDir, 'temporal-ui');
  fs.mkdirSync(configDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(configDir, 0o700);
  const env = 'partnerflow';
  const file = path.join(configDir, `${env}.yaml`);
  fs.writeFileSync(file, uiSettings(opts), { mode: 0o600 });
  fs.chmodSync(file, 0o600);

  const url = `http://${opts.host}:${opts.port}`;
  const child = spawn(binary, ['--root', opts.dataDir, '--config', 'temporal-ui', '--env', env, 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  readline.createInterface({ input: child.stdout! }).on('line', onLine);
  readline.createInterface({ input: child.stderr! }).on('line', onLine);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
  };
  try {
    await waitForUi(child, url, opts.readyTimeoutMs ?? 30_000, tail);
  } catch (err) {
    await stop();
    throw err;
  }
  opts.log(`The Temporal Web UI is ready (read-only): ${url}`);
  return { url, pid: child.pid!, stop };
}

async function waitForUi(child: ChildProcess, url: string, timeoutMs: number, tail: string[]) {
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `code ${code}`));
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt yet';
  for (;;) {
    if (exited) throw new Error(`The Temporal Web UI server exited (${exited}) before it was ready on ${url}. Its last output:\n${tail.join('\n')}`);
    if (Date.now() > deadline) throw new Error(`The Temporal Web UI server did not answer on ${url} within ${timeoutMs / 1000} s (last error: ${lastError}).`);
    try {
      const res = await fetch(`${url}/api/v1/settings`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
