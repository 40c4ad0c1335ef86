import { createMetrics } from '../metrics/registry';
import { developmentDefaults, readConfig } from '../worker/config';
import { startDevServer, type DevServer } from './devServer';
import { codecEndpointFor, makeLog, openRecords, ownDataDir, prepareEngine, startApiPart, startWorkerPart, stopOnSignals } from './parts';

/**
 * `npm start`: the Temporal dev server (unless TEMPORAL_ADDRESS names another), the worker and the
 * HTTP API in one process tree, on embedded defaults. Ctrl-C stops everything in reverse order.
 */
async function main() {
  // Development defaults, each overridden by the environment: a partner app on the same laptop receives webhooks.
  const config = readConfig({ ...developmentDefaults, ...process.env });
  const log = makeLog(config);
  ownDataDir(config);
  const codecEndpoint = codecEndpointFor(config);
  let devServer: DevServer | undefined;
  let address = config.TEMPORAL_ADDRESS;
  if (!address) {
    devServer = await startDevServer({
      codecEndpoint,
      dataDir: config.dataDir,
      port: config.TEMPORAL_DEV_PORT,
      uiPort: config.TEMPORAL_UI_PORT,
      namespace: config.TEMPORAL_NAMESPACE,
      log: (line) => log.info(line),
      ownProcessGroup: true,
    });
    address = devServer.address;
  }
  // The product registers its own search attributes: on an external cluster, and on a data folder
  // kept from a release that had fewer of them.
  await prepareEngine(config, address);

  const metrics = createMetrics({ processMetrics: true });
  const store = await openRecords(config, log);
  const worker = await startWorkerPart({ config, address, log, store, metrics });
  const api = await startApiPart({ config, address, log, store, metrics });

  console.log(
    [
      '',
      'partnerflow is running',
      `  Console      ${api.url}/`,
      `  API          ${api.url}/v1`,
      `  OpenAPI      ${api.url}/openapi.json`,
      `  Metrics      ${api.url}/metrics`,
      `  Temporal UI  ${devServer ? `${devServer.uiUrl} (read-only; to decode payloads, sign in to the console with an ops key)` : `(external Temporal at ${address})`}`,
      `  API keys     ${api.keysFile}`,
      ...(api.oidc ? [`  Staff SSO    ${api.oidc.issuer} (client ${api.oidc.clientId}); partners and apps sign in with keys`] : []),
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  stopOnSignals(log, async () => {
    await api.stop();
    await worker.stop();
    await store.close();
    await devServer?.stop();
  });
}

main().catch((err) => {
  console.error(`partnerflow could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
