import path from 'node:path';
import { Context, heartbeat } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { createBillActivities } from '../activities/bills';
import { createMigrationActivities } from '../activities/migrations';
import { fileBillingSource } from '../billing/fileSource';
import { ProcessClient } from '../engineClient';
import { sqliteCloudAccounts } from '../activities/cloudAccounts';
import { createNotifier } from '../activities/notifier';
import { activityFailureCounter } from '../metrics/activities';
import type { Metrics } from '../metrics/registry';
import { setSdkMetricsAddress } from '../metrics/sdk';
import { freePort } from '../scripts/ports';
import type { Store } from '../store/db';
import { fact } from '../workflows/contract';
import { proofFor } from '../engineClient/proof';
import { dataConverter, payloadKeys } from './codec';
import { workflowBundleOptions } from './bundle';
import { dispatchSettings, processSettings, temporalTls, workerTuning, type Config } from './config';
import { ensureOutboxDispatcher } from './dispatcher';
import { createSealer } from './sealer';

export { dataConverter, payloadCodec, payloadKeys } from './codec';
export { createSealer } from './sealer';
export { ensureOutboxDispatcher } from './dispatcher';

/**
 * Connection options for any Temporal: the dev server, a cluster with mTLS (TEMPORAL_TLS_CERT/KEY/CA/SERVER_NAME),
 * or Temporal Cloud (API key + TLS). Every part that connects (worker, API, start-up checks) takes them from here.
 */
export const connectionOptions = (config: Config, address: string) => {
  const tls = temporalTls(config);
  return {
    address,
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
    ...(tls ? { tls } : {}),
  };
};

export async function connectClient(config: Config, address: string): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(config, address));
  // Payloads are sealed before they reach Temporal: its history holds no personal data in clear.
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(config) });
}

let runtimeInstalled = false;

/**
 * The SDK's runtime, once per process, before the first worker: its log level, and its own metrics in
 * Prometheus format on a free port of 127.0.0.1, which `/metrics` appends (metrics/sdk.ts). The SDK's
 * signal handlers are off: `npm start` stops the API, the worker and the dev server itself, in that order.
 */
export async function installRuntime(level: LogLevel = 'WARN') {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const bindAddress = `127.0.0.1:${await freePort()}`;
  Runtime.install({
    logger: new DefaultLogger(level),
    shutdownSignals: [],
    telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true, unitSuffix: true } } },
  });
  setSdkMetricsAddress(bindAddress);
}

/**
 * The worker: the generic driver workflow, the billing run, the outbox dispatcher, and the activities
 * (records, the outbox's sending, facts, bills). It makes sure its task queue's dispatcher runs.
 */
export async function createProcessWorker(opts: {
  config: Config;
  address: string;
  store: Store;
  client: Client;
  log: Logger;
  /** A prebuilt workflow bundle (tests build it once per run); else the workflows are bundled at start. */
  workflowBundle?: { codePath: string };
  /** Where activity failures are counted (metrics/registry.ts); the SDK's own metrics need nothing. */
  metrics?: Metrics;
}): Promise<Worker> {
  const { config, store, client, log } = opts;
  await installRuntime(['error', 'fatal', 'silent'].includes(config.LOG_LEVEL) ? 'ERROR' : 'WARN');
  // The billing run starts bills and migrations move processes the way the API does; a completed Update releases the steps the store held.
  const processes = new ProcessClient(client, { taskQueue: config.TASK_QUEUE, settings: processSettings(config), onCommitted: (id, version) => store.releaseSteps(id, version) });
  const activities = createActivities({
    store,
    log,
    notifier: createNotifier({ smtpUrl: config.SMTP_URL, smsWebhookUrl: config.SMS_WEBHOOK_URL, log }),
    // Proven for the one process it is sent to (generation 3 takes no other).
    signal: (processId, _name, payload) => client.workflow.getHandle(processId).signal(fact, { ...payload, proof: proofFor(processId) }),
    cloudAccounts: sqliteCloudAccounts(path.join(config.dataDir, 'cloud-accounts.sqlite')),
    codeTtlMs: config.VERIFICATION_CODE_TTL_MS,
    staff: {
      ...(config.REVIEWERS_EMAIL ? { reviewers: config.REVIEWERS_EMAIL } : {}),
      ...(config.OPS_EMAIL ? { ops: config.OPS_EMAIL } : {}),
    },
    publicUrl: config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`,
    heartbeat: () => heartbeat(),
    cancellation: () => Context.current().cancellationSignal,
    sealer: createSealer(payloadKeys(config)),
    dispatch: dispatchSettings(config),
    updateCompleted: (processId, runId, updateId) => processes.updateCompleted(processId, runId, updateId),
  });
  const billActivities = createBillActivities({
    billing: fileBillingSource(config.BILLING_SOURCE_DIR),
    store,
    log,
    startProcess: (request) => processes.start(request),
  });
  const migrationActivities = createMigrationActivities({ store, processes, log });
  const worker = await Worker.create({
    connection: await NativeConnection.connect(connectionOptions(config, opts.address)),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    // A payload the worker did not seal reached the engine from someone without the key: refused unread, and said so.
    dataConverter: dataConverter(config, (encoding) => log.warn({ encoding }, 'refused a payload that reached the engine unsealed (written without the payload key: docs/SECURITY.md)')),
    activities: { ...activities, ...billActivities, ...migrationActivities },
    // A worker told to stop (SIGTERM, a rolling restart) lets the activities it holds finish rather than fail them.
    shutdownGraceTime: '10s',
    ...(opts.metrics ? { interceptors: { activity: [activityFailureCounter(opts.metrics)] } } : {}),
    ...workerTuning(config),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: workflowBundleOptions.workflowsPath, bundlerOptions: { preloadModules: workflowBundleOptions.preloadModules } }),
  });
  await ensureOutboxDispatcher(client, config.TASK_QUEUE);
  return worker;
}
