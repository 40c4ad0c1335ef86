import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import pino from 'pino';
import { inject } from 'vitest';
import type { Identity } from '../../api/keys';
import { fileConsumption } from '../../api/consumption';
import { apiLimits } from '../../api/limits';
import { buildServer } from '../../api/server';
import { oidcFromConfig } from '../../api/oidc';
import { buildConsole } from '../../console/build';
import { fileBillingSource } from '../../billing/fileSource';
import { ProcessClient } from '../../engineClient';
import { createMetrics } from '../../metrics/registry';
import { PartnerflowClient } from '../../sdk';
import { openStore, type Store } from '../../store/db';
import { processSettings, readConfig } from '../../worker/config';
import { connectClient, createProcessWorker, createSealer, payloadCodec, payloadKeys } from '../../worker';

/**
 * The people of the tests, each with an API key, as a keys file would list them. Partner ids carry a
 * suffix per product, because every test file shares the run's Temporal namespace and once-per-partner
 * processes are named after their partner.
 */
export function makePeople(suffix: string) {
  return {
    acme: { key: `test-key-partner-acme-${suffix}`, id: `alice@acme-${suffix}`, role: 'partner', partnerId: `acme-${suffix}` },
    globex: { key: `test-key-partner-globex-${suffix}`, id: `bob@globex-${suffix}`, role: 'partner', partnerId: `globex-${suffix}` },
    li: { key: `test-key-reviewer-li-${suffix}`, id: 'li.reviewer', role: 'reviewer' },
    wang: { key: `test-key-reviewer-wang-${suffix}`, id: 'wang.reviewer', role: 'reviewer' },
    /** One person holding a partner key (for initech) and a reviewer key. */
    chenPartner: { key: `test-key-partner-chen-${suffix}`, id: `chen-${suffix}`, role: 'partner', partnerId: `initech-${suffix}` },
    chenReviewer: { key: `test-key-reviewer-chen-${suffix}`, id: `chen-${suffix}`, role: 'reviewer' },
    zhao: { key: `test-key-customer-zhao-${suffix}`, id: 'zhao.customer', role: 'customer' },
    /** Customers associated with acme (two, to keep them apart) and one with globex. */
    qian: { key: `test-key-customer-qian-${suffix}`, id: `qian-${suffix}`, role: 'customer', customerId: `cust-qian-${suffix}`, partnerId: `acme-${suffix}` },
    sun: { key: `test-key-customer-sun-${suffix}`, id: `sun-${suffix}`, role: 'customer', customerId: `cust-sun-${suffix}`, partnerId: `acme-${suffix}` },
    wu: { key: `test-key-customer-wu-${suffix}`, id: `wu-${suffix}`, role: 'customer', customerId: `cust-wu-${suffix}`, partnerId: `globex-${suffix}` },
    /** A reviewer whose name and email a partner may see as its pre-reviewer (R41). */
    zhou: { key: `test-key-reviewer-zhou-${suffix}`, id: 'zhou.prereviewer', role: 'reviewer', name: 'Zhou Min', email: 'zhou.min@vendor.example' },
    ops: { key: `test-key-ops-${suffix}`, id: 'ops', role: 'ops' },
    /** Customer managers (R65): two of acme's, one of globex's. */
    mei: { key: `test-key-manager-mei-${suffix}`, id: `mei@acme-${suffix}`, role: 'manager', partnerId: `acme-${suffix}` },
    lan: { key: `test-key-manager-lan-${suffix}`, id: `lan@acme-${suffix}`, role: 'manager', partnerId: `acme-${suffix}` },
    kai: { key: `test-key-manager-kai-${suffix}`, id: `kai@globex-${suffix}`, role: 'manager', partnerId: `globex-${suffix}` },
    /** Customers with accounts of their own, not yet associated with a partner. */
    hua: { key: `test-key-customer-hua-${suffix}`, id: `hua-${suffix}`, role: 'customer', customerId: `hua-${suffix}` },
    lin: { key: `test-key-customer-lin-${suffix}`, id: `lin-${suffix}`, role: 'customer', customerId: `lin-${suffix}` },
    /** A reseller (二级经销商) and its master distributor (一级经销商) (R67). */
    reseller: { key: `test-key-partner-reseller-${suffix}`, id: `ru@reseller-${suffix}`, role: 'partner', partnerId: `reseller-${suffix}` },
    distributor: { key: `test-key-partner-distributor-${suffix}`, id: `du@distributor-${suffix}`, role: 'partner', partnerId: `distributor-${suffix}` },
    system: { key: `test-key-system-${suffix}`, id: 'system', role: 'system' },
  } satisfies Record<string, Identity>;
}

export type Person = keyof ReturnType<typeof makePeople>;

export interface Reply<T = any> {
  status: number;
  body: T;
}

/**
 * The whole product on the run's real Temporal dev server: a worker with its own task queue, a records
 * store in a fresh SQLite file, and the HTTP API on a free port (with the console at `/` when asked). Each
 * test file starts one.
 */
export async function startProduct(
  options: {
    historyLimit?: number;
    env?: Record<string, string>;
    /** Serve the console at `/` (built into a temporary folder). */
    console?: boolean;
    /** Another Temporal than the run's shared dev server (a test that restarts its own). */
    temporalAddress?: string;
    /** false: no worker in this process; the test runs one elsewhere (a child process it kills). */
    worker?: boolean;
  } = {},
) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-product-'));
  // The tests send codes to one made-up number from dozens of processes a day; test/security.e2e.test.ts checks the quotas.
  // Receivers (partner apps) in the tests listen on this machine, as under `npm start`.
  const config = readConfig({ DATA_DIR: dataDir, TASK_QUEUE: `test-${randomUUID()}`, PAYLOAD_KEY: inject('payloadKey'), SMS_CODES_PER_PHONE_PER_DAY: '1000', WEBHOOK_TARGETS: 'loopback', ...options.env });
  const log = pino({ level: 'warn' });
  const address = options.temporalAddress ?? inject('temporalAddress');
  const store: Store = await openStore({ dataDir, log });
  const temporal = await connectClient(config, address);
  // Every test product counts and serves its metrics as `npm start` does, so the hooks are under every test.
  const metrics = createMetrics();
  const worker: Worker | undefined =
    options.worker === false
      ? undefined
      : await createProcessWorker({ config, address, store, client: temporal, log, metrics, workflowBundle: { codePath: inject('workflowBundlePath') } });
  const running = worker?.run();
  const client = new ProcessClient(temporal, {
    onCommitted: (id, version) => store.releaseSteps(id, version),
    taskQueue: config.TASK_QUEUE,
    settings: processSettings(config),
    historyLimit: options.historyLimit,
  });
  const people = makePeople(randomUUID().slice(0, 8));
  const keys = new Map<string, Identity>(Object.values(people).map((p) => [p.key, p as Identity]));
  // The console is built into this product's own folder, so test files never share a build.
  const consoleDir = options.console ? await buildConsole(path.join(dataDir, 'console')) : undefined;
  const app = await buildServer({
    client, store, keys, log, consoleDir, metrics,
    oidc: oidcFromConfig(config),
    billing: fileBillingSource(config.BILLING_SOURCE_DIR),
    consumption: fileConsumption(config.consumptionFile),
    webhooks: { sealer: createSealer(payloadKeys(config)), targets: config.WEBHOOK_TARGETS },
    codec: { codec: payloadCodec(config), origins: [inject('temporalUiUrl')] },
    limits: apiLimits(config),
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });

  /** The typed client (sdk/) as `who`, as a partner's app or a script would call the API. */
  const as = (who: Person) => new PartnerflowClient({ baseUrl: url, apiKey: people[who].key });

  /** A real HTTP request as `who`, for what a client would not send (bad input, no key) or to read a status as it is. */
  async function call<T = any>(who: Person | null, method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const response = await fetch(url + route, {
      method,
      headers: {
        ...(who ? { authorization: `Bearer ${people[who].key}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  return {
    url,
    config,
    people,
    /** The API's keys, live: a test may add identities of its own (e.g. a fresh partner per process). */
    keys,
    store,
    client,
    /** The typed client (sdk/) as `who`. */
    as,
    dataDir,
    address,
    call,
    start: (who: Person, kind: string, input: unknown = {}, extra: Record<string, unknown> = {}) => call(who, 'POST', '/v1/processes', { kind, input, ...extra }),
    act: (who: Person, id: string, action: Record<string, unknown>, headers?: Record<string, string>) =>
      call(who, 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, action, headers),
    view: (who: Person, id: string) => call(who, 'GET', `/v1/processes/${encodeURIComponent(id)}`),
    async stop() {
      await app.close();
      worker?.shutdown();
      await running;
      await temporal.connection.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Product = Awaited<ReturnType<typeof startProduct>>;
