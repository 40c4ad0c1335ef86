import { createMetrics } from '../metrics/registry';
import { readConfig } from '../worker/config';
import { makeLog, openRecords, ownDataDir, prepareEngine, startApiPart, temporalAddress, stopOnSignals } from './parts';

/**
 * `npm run api`: the HTTP API and the console alone (no worker), with `/metrics`, against TEMPORAL_ADDRESS
 * and DATABASE_URL. Any number can serve behind a load balancer: views, lists, the inbox, claims and the
 * event streams are read from the shared records store.
 */
async function main() {
  const config = readConfig();
  const log = makeLog(config);
  ownDataDir(config);
  const address = temporalAddress(config);
  await prepareEngine(config, address);
  const metrics = createMetrics({ processMetrics: true });
  const store = await openRecords(config, log);
  const api = await startApiPart({ config, address, log, store, metrics });
  console.log(`partnerflow API ready: ${api.url}/v1 (metrics ${api.url}/metrics, keys ${api.keysFile}), Temporal ${address}, task queue ${config.TASK_QUEUE}`);
  stopOnSignals(log, async () => {
    await api.stop();
    await store.close();
  });
}

main().catch((err) => {
  console.error(`partnerflow API could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
