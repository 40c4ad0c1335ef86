/**
 * The worker alone, as its own OS process, for the crash test to SIGKILL: the same `createProcessWorker`
 * as `npm start`, configured from the environment (TEMPORAL_ADDRESS, TASK_QUEUE, DATA_DIR, SMTP_URL, …)
 * plus WORKFLOW_BUNDLE, the run's prebuilt workflow bundle. Prints `worker ready` once it polls.
 */
import pino from 'pino';
import { openStore } from '../../store/db';
import { readConfig } from '../../worker/config';
import { connectClient, createProcessWorker } from '../../worker';

async function main() {
  const config = readConfig(process.env);
  const address = config.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is required');
  const log = pino({ level: 'warn' });
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.DATABASE_URL, log });
  const client = await connectClient(config, address);
  const bundle = process.env.WORKFLOW_BUNDLE;
  const worker = await createProcessWorker({ config, address, store, client, log, ...(bundle ? { workflowBundle: { codePath: bundle } } : {}) });
  const running = worker.run();
  console.log('worker ready');
  await running;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
