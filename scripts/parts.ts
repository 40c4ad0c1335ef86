/**
 * The product's two parts, as `npm start` runs them together and `npm run worker` / `npm run api` run
 * them apart: any number of each, against one Temporal and one records store (DATABASE_URL).
 */
import { hkdfSync } from 'node:crypto';
import { Connection } from '@temporalio/client';
import pino, { type Logger } from 'pino';
import { fileConsumption } from '../api/consumption';
import { ensureDevKeys, loadKeys } from '../api/keys';
import { apiLimits } from '../api/limits';
import { oidcFromConfig } from '../api/oidc';
import { buildServer } from '../api/server';
import { fileBillingSource } from '../billing/fileSource';
import { ensureBillSchedule } from '../billing/schedule';
import { ProcessClient } from '../engineClient';
import { buildConsole } from '../console/build';
import type { Metrics } from '../metrics/registry';
import { serveMetrics } from '../metrics/serve';
import { storeGauges } from '../metrics/storeGauges';
import { secureDataDir } from '../store/dataDir';
import { openStore, type Store } from '../store/db';
import { processSettings, type Config } from '../worker/config';
import { connectClient, connectionOptions, createProcessWorker, createSealer, payloadCodec, payloadKeys } from '../worker';
import { ensureSearchAttributes } from './devServer';

/** People at a terminal read one line per event; anything else (a file, a log shipper) gets JSON. */
export const makeLog = (config: Config) =>
  pino({ level: config.LOG_LEVEL, ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } } } : {}) });

/**
 * Everything a part writes (records, keys, the engine's file) is its owner's only, and so is the data
 * folder, including one made by an earlier release with looser modes.
 */
export function ownDataDir(config: Config) {
  process.umask(0o077);
  secureDataDir(config.dataDir);
}

/** The Temporal this process talks to: TEMPORAL_ADDRESS, else the dev server `npm start` runs on this machine. */
export const temporalAddress = (config: Config) => config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_DEV_PORT}`;

/**
 * Registers the product's search attributes where missing (an external cluster, an older data folder).
 * Every part does it at start, so whichever comes first finds the namespace ready; it says clearly when
 * no Temporal answers.
 */
export async function prepareEngine(config: Config, address: string): Promise<void> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(config, address), connectTimeout: 10_000 });
  } catch (error) {
    throw new Error(
      `No Temporal answers at ${address} (${(error as Error).message}). Start one (npm start, or npm run cluster -- up and its cluster.env), or set TEMPORAL_ADDRESS.`,
    );
  }
  try {
    await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  } finally {
    await connection.close();
  }
}

export const openRecords = (config: Config, log: Logger): Promise<Store> => openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, log });

export interface Part {
  stop(): Promise<void>;
}

/**
 * The worker: workflows and activities on TASK_QUEUE, and the monthly bills schedule (one per task queue:
 * created by the first worker, brought back to spec by each later one, so it fires once however many run).
 */
export async function startWorkerPart(opts: { config: Config; address: string; log: Logger; store: Store; metrics: Metrics }): Promise<Part & { done: Promise<void> }> {
  const { config, address, log, store, metrics } = opts;
  const temporal = await connectClient(config, address);
  const worker = await createProcessWorker({
    config, address, store, client: temporal, log, metrics,
    ...(config.WORKFLOW_BUNDLE ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE } } : {}),
  });
  const done = worker.run();
  const schedule = await ensureBillSchedule(temporal, config.TASK_QUEUE);
  log.info(schedule, 'partner-bills schedule in place');
  return {
    done,
    async stop() {
      // Finishes the tasks in hand and hands sticky workflows back to the server, so another worker takes them at once.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      await temporal.connection.close();
    },
  };
}

/** `/metrics` for a worker alone (the API serves its own at the API's port). */
export async function startWorkerMetrics(config: Config, metrics: Metrics, store: Store): Promise<Part & { url: string }> {
  const served = await serveMetrics(metrics, { port: config.METRICS_PORT, host: config.HOST, refresh: storeGauges(metrics, store) });
  return { url: `http://${config.HOST}:${served.port}/metrics`, stop: served.close };
}

/** The HTTP API and the console. Keys: PC_KEYS_FILE, else DATA_DIR/dev-keys.json (created once, the same for every process on the folder). */
export async function startApiPart(opts: {
  config: Config;
  address: string;
  log: Logger;
  store: Store;
  metrics: Metrics;
}): Promise<Part & { url: string; keysFile: string; oidc?: ReturnType<typeof oidcFromConfig> }> {
  const { config, address, log, store, metrics } = opts;
  const keysFile = config.PC_KEYS_FILE ?? (await ensureDevKeys(config.dataDir));
  const keys = await loadKeys(keysFile);
  const temporal = await connectClient(config, address);
  // A completed Update releases the steps the store held (docs/RELIABILITY.md, held steps).
  const client = new ProcessClient(temporal, { taskQueue: config.TASK_QUEUE, settings: processSettings(config), onCommitted: (id, version) => store.releaseSteps(id, version) });
  // The console is built at each start (about a second), so it always matches this checkout.
  const consoleDir = await buildConsole();
  const oidc = oidcFromConfig(config);
  const app = await buildServer({
    client, store, keys, log, consoleDir, metrics, oidc,
    billing: fileBillingSource(config.BILLING_SOURCE_DIR),
    consumption: fileConsumption(config.consumptionFile),
    webhooks: { sealer: createSealer(payloadKeys(config)), targets: config.WEBHOOK_TARGETS },
    codec: {
      codec: payloadCodec(config),
      origins: [`http://127.0.0.1:${config.TEMPORAL_UI_PORT}`, `http://localhost:${config.TEMPORAL_UI_PORT}`],
      // Every API process of the deployment derives the same secret for codec sessions from the payload key.
      sessionSecret: Buffer.from(hkdfSync('sha256', payloadKeys(config)[0], Buffer.alloc(0), 'partnerflow codec session', 32)),
    },
    limits: apiLimits(config),
  });
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  return {
    url,
    keysFile,
    oidc,
    async stop() {
      await app.close();
      await temporal.connection.close();
    },
  };
}

/**
 * The Web UI decodes sealed payloads through the API's codec endpoint, named without any secret: the
 * browser sends the codec session cookie the console sets when ops sign in (api/codec.ts).
 */
export function codecEndpointFor(config: Config): string {
  return `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}/codec`;
}

/** Stops the parts in order on Ctrl-C or SIGTERM, once, then exits. */
export function stopOnSignals(log: Logger, stop: () => Promise<void>) {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.error({ err: error }, 'stopping failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}
