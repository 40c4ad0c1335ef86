/**
 * `npm run cluster -- up | down | status`: a real Temporal cluster on this machine, for running the
 * product at scale (`npm run worker`, `npm run api`, as many of each as wanted) and for the cluster suite.
 * The official Temporal server (built from its pinned Go module, scripts/temporalServer.ts) on a
 * PostgreSQL of its own for persistence and SQL advanced visibility, and a `partnerflow` database on the
 * same PostgreSQL for the records store. Everything lives under DATA_DIR/cluster and survives down/up,
 * except, as root, PostgreSQL's folder (postgresFolder); `up` writes DATA_DIR/cluster.env
 * (TEMPORAL_ADDRESS=…, DATABASE_URL=…) and prints it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { readConfig } from '../worker/config';
import { freePortBetween, isListening } from './ports';
import { asRoot, findPostgresBin, initPostgres, postgresPid, postgresUrl, startPostgres, stopPostgres, type PostgresCluster } from './postgresServer';
import { listenerPid } from './processes';
import { DATABASES, prepareNamespace, setupSchemas, spawnTemporalServer, stopTemporalServer, temporalPortNames, temporalServerPid, type TemporalPorts } from './temporalCluster';
import { findOrBuildTemporalServer } from './temporalServer';

export const RECORDS_DATABASE = 'partnerflow';

interface ClusterState {
  postgresPort: number;
  temporal: TemporalPorts;
}

export interface Cluster {
  dir: string;
  /** TEMPORAL_ADDRESS */
  address: string;
  namespace: string;
  /** DATABASE_URL of the records store. */
  databaseUrl: string;
  /** The Temporal server's pid (its four services), and its own Prometheus metrics. */
  temporalPid: number;
  temporalMetricsUrl: string;
  envFile: string;
}

const clusterDir = (dataDir: string) => path.join(dataDir, 'cluster');
const stateFile = (dir: string) => path.join(dir, 'cluster.json');

function readState(dir: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(stateFile(dir), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** The ports of the last `up`, kept when still free (TEMPORAL_ADDRESS stays the same); a taken one is replaced. */
async function choosePorts(previous: ClusterState | undefined, pgRunning: boolean): Promise<ClusterState> {
  // Below 32768: the server's schema keeps membership ports as smallint (and clear of the ephemeral range).
  const fresh = () => freePortBetween(20_000, 32_767);
  const keep = async (port: number | undefined) => (port && !(await isListening(port)) ? port : fresh());
  const postgresPort = pgRunning && previous ? previous.postgresPort : await keep(previous?.postgresPort);
  const temporal = {} as TemporalPorts;
  const taken = new Set<number>([postgresPort]);
  for (const name of temporalPortNames) {
    let port = await keep(previous?.temporal[name]);
    while (taken.has(port)) port = await fresh();
    taken.add(port);
    temporal[name] = port;
  }
  return { postgresPort, temporal };
}

/**
 * PostgreSQL's folder (its data, log and socket): DATA_DIR/cluster/postgres, but beside DATA_DIR
 * (DATA_DIR.postgres) as root. Every part of the product closes DATA_DIR to its owner (0700,
 * store/dataDir.ts), and as root PostgreSQL runs as the `postgres` user, who could then no longer reach a
 * folder inside.
 */
export function postgresFolder(dataDir: string, root = asRoot()): string {
  return root ? `${path.resolve(dataDir)}.postgres` : path.join(clusterDir(dataDir), 'postgres');
}

/** Where an earlier release kept it, also as root. */
const legacyPostgresFolder = (dataDir: string) => path.join(clusterDir(dataDir), 'postgres');
const holdsCluster = (folder: string) => fs.existsSync(path.join(folder, 'data', 'PG_VERSION'));

function postgresOf(dataDir: string, port: number, folder = postgresFolder(dataDir)): PostgresCluster {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed: the cluster needs its server binaries (Debian: apt-get install -y postgresql).');
  return { bin, dir: folder, port };
}

/** A cluster of the earlier layout, where the postgres user may no longer reach it, is stopped and moved beside DATA_DIR. */
async function moveLegacyPostgres(dataDir: string, port: number, log: (line: string) => void) {
  const from = legacyPostgresFolder(dataDir);
  const to = postgresFolder(dataDir);
  if (from === to || !holdsCluster(from) || holdsCluster(to)) return;
  const legacy = postgresOf(dataDir, port, from);
  if (postgresPid(legacy) !== undefined) await stopPostgres(legacy);
  fs.rmSync(to, { recursive: true, force: true });
  fs.renameSync(from, to);
  log(`Moved PostgreSQL's folder from ${from} to ${to} (out of DATA_DIR, which only its owner may enter)`);
}

/** Creates the databases that are missing; returns the ones it created. */
async function ensureDatabases(port: number): Promise<string[]> {
  const pool = new Pool({ connectionString: postgresUrl(port) });
  try {
    const created: string[] = [];
    for (const name of [DATABASES.persistence, DATABASES.visibility, RECORDS_DATABASE]) {
      const { rowCount } = await pool.query('select 1 from pg_database where datname = $1', [name]);
      if (!rowCount) {
        await pool.query(`create database "${name}"`);
        created.push(name);
      }
    }
    return created;
  } finally {
    await pool.end();
  }
}

function writeEnv(dataDir: string, cluster: Omit<Cluster, 'envFile'>): string {
  const file = path.join(dataDir, 'cluster.env');
  fs.writeFileSync(
    file,
    [
      `# Written by \`npm run cluster -- up\` at ${new Date().toISOString()}. Load it before npm run worker / npm run api:`,
      `#   set -a; . ${file}; set +a`,
      `# The Temporal server's own metrics: ${cluster.temporalMetricsUrl}`,
      `TEMPORAL_ADDRESS=${cluster.address}`,
      ...(cluster.namespace !== 'default' ? [`TEMPORAL_NAMESPACE=${cluster.namespace}`] : []),
      `DATABASE_URL=${cluster.databaseUrl}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Brings the cluster up (building the server the first time), or finds it up; safe to repeat. */
export async function clusterUp(opts: { dataDir: string; namespace?: string; log?: (line: string) => void }): Promise<Cluster> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const namespace = opts.namespace ?? 'default';
  const dir = clusterDir(opts.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const binaries = await findOrBuildTemporalServer(log);

  const previous = readState(dir);
  if (previous) await moveLegacyPostgres(opts.dataDir, previous.postgresPort, log);
  const pgRunning = previous !== undefined && postgresPid(postgresOf(opts.dataDir, previous.postgresPort)) !== undefined;
  const running = temporalServerPid(dir);
  const state = running !== undefined && previous ? previous : await choosePorts(previous, pgRunning);
  fs.writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);

  const pg = postgresOf(opts.dataDir, state.postgresPort);
  if (initPostgres(pg)) log(`Created a PostgreSQL cluster in ${pg.dir}`);
  if (!pgRunning) {
    log(`Starting PostgreSQL on 127.0.0.1:${pg.port}`);
    startPostgres(pg, ['max_connections=200', 'shared_buffers=128MB']);
  }
  const created = await ensureDatabases(pg.port);
  const address = `127.0.0.1:${state.temporal.frontend}`;
  let pid = running;
  if (pid === undefined) {
    await setupSchemas(binaries.sqlTool, pg.port, created, log);
    const holder = await isListening(state.temporal.frontend) ? listenerPid(state.temporal.frontend) : undefined;
    if (holder !== undefined) throw new Error(`Port ${state.temporal.frontend} (the cluster's frontend) is in use by pid ${holder}; stop it or remove ${stateFile(dir)} to choose new ports.`);
    log(`Starting the Temporal server (frontend, history, matching, worker) on ${address}; log ${path.join(dir, 'temporal.log')}`);
    pid = spawnTemporalServer(binaries.server, dir, state.temporal, pg.port).pid;
  } else log(`The Temporal server already runs (pid ${pid}) on ${address}`);
  await prepareNamespace({ address, namespace, dir, pid, log });

  const cluster = { dir, address, namespace, databaseUrl: postgresUrl(pg.port, RECORDS_DATABASE), temporalPid: pid, temporalMetricsUrl: `http://127.0.0.1:${state.temporal.metrics}/metrics` };
  return { ...cluster, envFile: writeEnv(opts.dataDir, cluster) };
}

/** Stops the Temporal server, then PostgreSQL; the data stays for the next `up`. */
export async function clusterDown(opts: { dataDir: string; log?: (line: string) => void }): Promise<void> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const dir = clusterDir(opts.dataDir);
  const state = readState(dir);
  if (await stopTemporalServer(dir)) log('Stopped the Temporal server.');
  if (state) {
    // The legacy folder too: one started by an earlier release still runs from there.
    for (const folder of new Set([postgresFolder(opts.dataDir), legacyPostgresFolder(opts.dataDir)])) {
      const pg = postgresOf(opts.dataDir, state.postgresPort, folder);
      if (postgresPid(pg) !== undefined) {
        await stopPostgres(pg);
        log('Stopped PostgreSQL.');
      }
    }
  }
}

/** Restarts only the Temporal server on its data (an engine restart, for the soak run). */
export async function restartTemporal(opts: { dataDir: string; namespace?: string; log?: (line: string) => void }): Promise<Cluster> {
  await stopTemporalServer(clusterDir(opts.dataDir));
  return clusterUp({ ...opts, log: opts.log ?? (() => {}) });
}

export async function clusterStatus(dataDir: string): Promise<string[]> {
  const dir = clusterDir(dataDir);
  const state = readState(dir);
  if (!state) return [`No cluster in ${dir}: npm run cluster -- up`];
  const pg = postgresOf(dataDir, state.postgresPort);
  const pgPid = postgresPid(pg);
  const temporalPid = temporalServerPid(dir);
  const answering = temporalPid !== undefined && (await isListening(state.temporal.frontend));
  const envFile = path.join(dataDir, 'cluster.env');
  return [
    `PostgreSQL       ${pgPid ? `running, pid ${pgPid}` : 'stopped'}, 127.0.0.1:${state.postgresPort} (${pg.dir})`,
    `Temporal server  ${temporalPid ? `running, pid ${temporalPid}` : 'stopped'}, frontend 127.0.0.1:${state.temporal.frontend}${temporalPid ? (answering ? ', answering' : ', NOT answering') : ''} (log ${path.join(dir, 'temporal.log')})`,
    `Server metrics   http://127.0.0.1:${state.temporal.metrics}/metrics`,
    ...(fs.existsSync(envFile) ? [`${envFile}:`, ...fs.readFileSync(envFile, 'utf8').split('\n').filter((line) => line && !line.startsWith('#')).map((line) => `  ${line}`)] : []),
  ];
}

async function main() {
  const command = process.argv[2];
  const config = readConfig();
  if (command === 'up') {
    const cluster = await clusterUp({ dataDir: config.dataDir, namespace: config.TEMPORAL_NAMESPACE });
    console.log(`\nThe cluster is up. ${cluster.envFile}:\n`);
    console.log(fs.readFileSync(cluster.envFile, 'utf8').split('\n').filter((line) => line && !line.startsWith('#')).join('\n'));
    console.log(`\nThen, in as many shells as wanted:\n  set -a; . ${cluster.envFile}; set +a; npm run worker     # METRICS_PORT=0 for any free port\n  set -a; . ${cluster.envFile}; set +a; PORT=3001 npm run api`);
  } else if (command === 'down') {
    await clusterDown({ dataDir: config.dataDir });
  } else if (command === 'status') {
    for (const line of await clusterStatus(config.dataDir)) console.log(line);
  } else {
    console.error(`Usage: npm run cluster -- up | down | status   (not "${command ?? ''}"); DATA_DIR names the data folder (default data/).`);
    process.exit(2);
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`npm run cluster: ${error.message}`);
    process.exit(1);
  });
}
