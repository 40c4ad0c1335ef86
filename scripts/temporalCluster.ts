/**
 * The official Temporal server as a cluster of its four services (frontend, history, matching, worker)
 * in one process, on PostgreSQL for both persistence and SQL advanced visibility: what `npm run cluster`
 * runs, the cluster suite tests on and the soak restarts.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { INDEXED_TYPES, SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_TYPES } from './devServer';
import { isAlive, stopPid } from './processes';

const HOST = '127.0.0.1';

/** Every port the services bind; chosen once and kept in cluster.json, so TEMPORAL_ADDRESS stays the same. */
export interface TemporalPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  /** The server's own Prometheus metrics. */
  metrics: number;
}

export const temporalPortNames: Array<keyof TemporalPorts> = [
  'frontend', 'frontendHttp', 'frontendMembership', 'history', 'historyMembership', 'matching', 'matchingMembership', 'worker', 'workerMembership', 'metrics',
];

export const DATABASES = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;

/** The server's configuration (JSON is YAML too). Shards are fixed for the life of the data: 4 is plenty for one machine. */
export function renderConfig(ports: TemporalPorts, pgPort: number, dynamicConfigFile: string) {
  const sql = (databaseName: string, maxConns: number) => ({
    sql: { pluginName: 'postgres12', databaseName, connectAddr: `${HOST}:${pgPort}`, connectProtocol: 'tcp', user: 'postgres', password: '', maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h' },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({ rpc: { grpcPort, membershipPort, bindOnIP: HOST, ...extra } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: { 'postgres-default': sql(DATABASES.persistence, 20), 'postgres-visibility': sql(DATABASES.visibility, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: HOST },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `${HOST}:${ports.metrics}` } },
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${HOST}:${ports.frontend}`, httpAddress: `${HOST}:${ports.frontendHttp}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Production defaults, but for the IDs' length (the product's process ids are short anyway). */
const dynamicConfig = 'limit.maxIDLength:\n  - value: 255\n    constraints: {}\n';

/**
 * Creates both databases' schemas from the ones embedded in the SQL tool: the initial version when the
 * database is new, then every versioned update (a no-op when current, an upgrade after a new server).
 */
export async function setupSchemas(sqlTool: string, pgPort: number, newDatabases: string[], log: (line: string) => void) {
  const run = (database: string, args: string[]) =>
    promisify(execFile)(sqlTool, ['--plugin', 'postgres12', '--endpoint', HOST, '--port', String(pgPort), '--user', 'postgres', '--database', database, ...args]).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${error.stderr || error.message}`);
    });
  for (const [kind, database] of [['temporal', DATABASES.persistence], ['visibility', DATABASES.visibility]] as const) {
    if (newDatabases.includes(database)) {
      log(`Creating the ${kind} schema in ${database}`);
      await run(database, ['setup-schema', '--version', '0.0']);
    }
    await run(database, ['update-schema', '--schema-name', `postgresql/v12/${kind}`]);
  }
}

export interface TemporalProcess {
  pid: number;
  address: string;
}

const pidFile = (dir: string) => path.join(dir, 'temporal-server.pid');

export function temporalServerPid(dir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(dir), 'utf8').trim());
    return pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the server detached, its output appended to `dir/temporal.log`, so it outlives the command
 * that started it (`npm run cluster -- up` returns); its pid goes to `dir/temporal-server.pid`.
 */
export function spawnTemporalServer(server: string, dir: string, ports: TemporalPorts, pgPort: number): TemporalProcess {
  const configFile = path.join(dir, 'temporal.yaml');
  const dynamicConfigFile = path.join(dir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicConfigFile, dynamicConfig);
  fs.writeFileSync(configFile, `${JSON.stringify(renderConfig(ports, pgPort, dynamicConfigFile), null, 2)}\n`);
  const out = fs.openSync(path.join(dir, 'temporal.log'), 'a');
  const child = spawn(server, ['--config-file', configFile, '--allow-no-auth', 'start', '--service', 'frontend', '--service', 'history', '--service', 'matching', '--service', 'worker'], {
    cwd: dir,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`Could not run the Temporal server ${server}.`);
  fs.writeFileSync(pidFile(dir), `${child.pid}\n`);
  return { pid: child.pid, address: `${HOST}:${ports.frontend}` };
}

export async function stopTemporalServer(dir: string): Promise<boolean> {
  const pid = temporalServerPid(dir);
  if (pid === undefined) return false;
  await stopPid(pid, 20_000);
  fs.rmSync(pidFile(dir), { force: true });
  return true;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last lines of the server's log, for an error message: each JSON line as its message and error. */
export const logTail = (dir: string, lines = 12) => {
  try {
    return fs
      .readFileSync(path.join(dir, 'temporal.log'), 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((line) => {
        try {
          const entry = JSON.parse(line) as { level?: string; msg?: string; error?: string };
          return `${entry.level}: ${entry.msg}${entry.error ? ` (${entry.error})` : ''}`.slice(0, 400);
        } catch {
          return line.slice(0, 400);
        }
      })
      .join('\n');
  } catch {
    return '(no log)';
  }
};

/**
 * Waits until the frontend answers, then makes the namespace ready for the product: registered, with
 * its search attributes, and those usable in list queries. Right after a namespace is created the
 * frontend does not know it for ~10 s (its namespace cache), and new search attributes take a while to
 * reach the visibility store's query parser: both are retried until `timeoutMs`.
 */
export async function prepareNamespace(opts: { address: string; namespace: string; dir: string; pid: number; timeoutMs?: number; log: (line: string) => void }) {
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  const connection = Connection.lazy({ address: opts.address, connectTimeout: 2000 });
  const attempt = async <T>(what: string, call: () => Promise<T>, done: (error: unknown) => T | undefined = () => undefined): Promise<T> => {
    let told = false;
    for (;;) {
      if (!isAlive(opts.pid)) throw new Error(`The Temporal server (pid ${opts.pid}) exited while ${what}. Its log (${path.join(opts.dir, 'temporal.log')}) ends:\n${logTail(opts.dir)}`);
      try {
        return await connection.withDeadline(Date.now() + 5000, call);
      } catch (error) {
        const accepted = done(error);
        if (accepted !== undefined) return accepted;
        if (Date.now() > deadline) throw new Error(`The Temporal server at ${opts.address} did not finish ${what}: ${(error as Error).message}. Its log ends:\n${logTail(opts.dir)}`);
        if (!told) {
          opts.log(`  … ${what} (waiting: ${(error as Error).message.split('\n')[0].slice(0, 120)})`);
          told = true;
        }
        await sleep(1000);
      }
    }
  };
  const code = (error: unknown) => (error as { code?: number }).code;
  try {
    await attempt('starting', () => connection.workflowService.getSystemInfo({}));
    await attempt(
      `registering the namespace ${opts.namespace}`,
      () => connection.workflowService.registerNamespace({ namespace: opts.namespace, workflowExecutionRetentionPeriod: msToTs('3 days') }).then(() => true),
      (error) => (code(error) === 6 /* ALREADY_EXISTS */ ? true : undefined),
    );
    await attempt(`adding the search attributes to ${opts.namespace}`, async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: opts.namespace });
      const missing: Record<string, number> = {};
      for (const name of SEARCH_ATTRIBUTES) if (customAttributes?.[name] === undefined) missing[name] = encodeSearchAttributeIndexedValueType(INDEXED_TYPES[SEARCH_ATTRIBUTE_TYPES[name]])!;
      if (Object.keys(missing).length) await connection.operatorService.addSearchAttributes({ namespace: opts.namespace, searchAttributes: missing });
    });
    // Usable means a list query naming each of them is accepted by the visibility store.
    const probe = SEARCH_ATTRIBUTES.map((name) => `${name} IS NOT NULL`).join(' OR ');
    await attempt('making the search attributes queryable', () => connection.workflowService.listWorkflowExecutions({ namespace: opts.namespace, query: probe, pageSize: 1 }));
  } finally {
    await connection.close();
  }
}
