import { createMetrics } from '../metrics/registry';
import { readConfig } from '../worker/config';
import { makeLog, openRecords, ownDataDir, prepareEngine, startWorkerMetrics, startWorkerPart, temporalAddress, stopOnSignals } from './parts';

/**
 * `npm run worker`: the worker alone (workflows, activities, the bills schedule) and its `/metrics`, against
 * TEMPORAL_ADDRESS and DATABASE_URL. Run as many as the load needs; SIGTERM lets it finish what it holds.
 */
async function main() {
  const config = readConfig();
  const log = makeLog(config);
  ownDataDir(config);
  const address = temporalAddress(config);
  await prepareEngine(config, address);
  const metrics = createMetrics({ processMetrics: true });
  const store = await openRecords(config, log);
  const worker = await startWorkerPart({ config, address, log, store, metrics });
  const served = await startWorkerMetrics(config, metrics, store);
  // One plain line, for people and for the scripts that wait for it.
  console.log(`partnerflow worker ready: Temporal ${address}, task queue ${config.TASK_QUEUE}, metrics ${served.url}`);
  stopOnSignals(log, async () => {
    await worker.stop();
    await served.stop();
    await store.close();
  });
  // A worker that fails (lost its connection for good) ends the process, so a supervisor restarts it.
  worker.done.catch((error: Error) => {
    log.error({ err: error }, 'the worker failed');
    process.exit(1);
  });
}

main().catch((err) => {
  console.error(`partnerflow worker could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
