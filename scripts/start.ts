import { hkdfSync } from 'node:crypto';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { ensureDevKeys, loadKeys } from '../api/keys';
import { buildConsole } from '../console/build';
import { fileConsumption } from '../api/consumption';
import { apiLimits } from '../api/limits';
import { buildServer } from '../api/server';
import { oidcFromConfig } from '../api/oidc';
import { fileBillingSource } from '../billing/fileSource';
import { ensureBillSchedule } from '../billing/schedule';
import { ProcessClient } from '../client';
import { secureDataDir } from '../store/dataDir';
import { openStore } from '../store/db';
import { processSettings, readConfig } from '../worker/config';
import { connectClient, connectionOptions, createProcessWorker, createSealer, payloadCodec, payloadKeys } from '../worker';
import { ensureSearchAttributes, startDevServer, type DevServer } from './devServer';

/**
 * `npm start`: the Temporal dev server (unless TEMPORAL_ADDRESS names another), the worker and the
 * HTTP API in one process tree, on embedded defaults. Ctrl-C stops everything in reverse order.
 */
async function main() {
  const config = readConfig();
  // People at a terminal read one line per event; anything else (a file, a log shipper) gets JSON.
  const log = pino({ level: config.LOG_LEVEL, ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } } } : {}) });
  // Everything this process tree writes (records, keys, the engine's file) is its owner's only, and so is
  // the data folder, including one made by an earlier release with looser modes.
  process.umask(0o077);
  secureDataDir(config.dataDir);

  const keysFile = config.PC_KEYS_FILE ?? (await ensureDevKeys(config.dataDir));
  const keys = await loadKeys(keysFile);

  // The Web UI decodes sealed payloads through the API's codec endpoint, named without any secret: the
  // browser sends the codec session cookie the console sets when ops sign in (api/codec.ts).
  const apiUrl = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  const codecEndpoint = `${apiUrl}/codec`;

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
  const connection = await Connection.connect(connectionOptions(config, address));
  await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  await connection.close();

  const store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.dataDir, log });
  const temporal = await connectClient(config, address);
  const worker = await createProcessWorker({ config, address, store, client: temporal, log });
  const running = worker.run();
  // The monthly billing run (R60): created once, brought back to the current spec at every start.
  const schedule = await ensureBillSchedule(temporal, config.TASK_QUEUE);
  log.info(schedule, 'partner-bills schedule in place');
  const client = new ProcessClient(temporal, {
    onCommitted: (id, version) => store.releaseSteps(id, version),
    taskQueue: config.TASK_QUEUE,
    settings: processSettings(config),
  });
  // The console is built at each start (about a second), so it always matches this checkout.
  const consoleDir = await buildConsole();
  const oidc = oidcFromConfig(config);
  const app = await buildServer({
    client, store, keys, log, consoleDir,
    oidc,
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

  console.log(
    [
      '',
      'partnerflow is running',
      `  Console      ${url}/`,
      `  API          ${url}/v1`,
      `  OpenAPI      ${url}/openapi.json`,
      `  Temporal UI  ${devServer ? `${devServer.uiUrl} (read-only; to decode payloads, sign in to the console with an ops key)` : `(external Temporal at ${address})`}`,
      `  API keys     ${keysFile}`,
      ...(oidc ? [`  Staff SSO    ${oidc.issuer} (client ${oidc.clientId}); partners and apps sign in with keys`] : []),
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await app.close();
    worker.shutdown();
    await running;
    await temporal.connection.close();
    await store.close();
    await devServer?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(`partnerflow could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
