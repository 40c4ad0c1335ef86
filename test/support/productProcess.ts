/**
 * The whole product but the engine, as its own OS process, for the crash test to SIGKILL: the worker
 * (with its share of the outbox dispatcher) and the HTTP API, built as `npm start` builds them and
 * configured from the environment (TEMPORAL_ADDRESS, TASK_QUEUE, DATA_DIR, PORT, PC_KEYS_FILE,
 * SMTP_URL, …) plus WORKFLOW_BUNDLE, the run's prebuilt workflow bundle. Prints `product ready` once
 * it polls and listens. With STANDBY=1 it builds everything, prints `standby` and waits for a line `go`
 * on its stdin before its worker polls and its API listens: a supervisor's warm spare, so that a restart
 * after a kill takes a moment instead of the ten seconds that loading and building take on a busy machine.
 */
import readline from 'node:readline';
import pino from 'pino';
import { loadKeys } from '../../api/keys';
import { buildServer } from '../../api/server';
import { ProcessClient } from '../../engineClient';
import { openStore } from '../../store/db';
import { processSettings, readConfig } from '../../worker/config';
import { connectClient, createProcessWorker, createSealer, payloadKeys } from '../../worker';

async function main() {
  // The crash test's partner app listens on this machine, as under `npm start`.
  const config = readConfig({ WEBHOOK_TARGETS: 'loopback', ...process.env });
  const address = config.TEMPORAL_ADDRESS;
  if (!address || !config.PC_KEYS_FILE) throw new Error('TEMPORAL_ADDRESS and PC_KEYS_FILE are required');
  const log = pino({ level: config.LOG_LEVEL });
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL, log });
  const temporal = await connectClient(config, address);
  const bundle = process.env.WORKFLOW_BUNDLE;
  const worker = await createProcessWorker({ config, address, store, client: temporal, log, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
  const client = new ProcessClient(temporal, { taskQueue: config.TASK_QUEUE, settings: processSettings(config), onCommitted: (id, version) => store.releaseSteps(id, version) });
  const app = await buildServer({
    client, store, log, keys: await loadKeys(config.PC_KEYS_FILE),
    webhooks: { sealer: createSealer(payloadKeys(config)), targets: config.WEBHOOK_TARGETS },
  });
  await app.ready();
  await whenTold();
  const running = worker.run();
  await app.listen({ port: config.PORT, host: '127.0.0.1' });
  console.log('product ready');
  await running;
}

async function whenTold(): Promise<void> {
  if (process.env.STANDBY !== '1') return;
  console.log('standby');
  const lines = readline.createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.on('line', (line) => line.trim() === 'go' && resolve()));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
