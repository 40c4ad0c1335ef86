import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { inject } from 'vitest';
import { openStore, type Store } from '../../store/db';
import { readConfig } from '../../worker/config';
import { connectClient } from '../../worker';
import { startMailbox } from '../support/mailbox';
import { spawnPart, type PartProcess } from '../support/partProcess';

/**
 * The product as it runs at scale, on the run's cluster: worker and API processes started with
 * `npm run worker` / `npm run api` (scripts/worker.ts, scripts/api.ts), all on one task queue, one
 * PostgreSQL records store, one data folder for the dev keys; mail to a real SMTP server of the test's.
 */
export async function startFleet(counts: { workers: number; apis: number }) {
  const dataDir = inject('clusterDataDir');
  if (!dataDir) throw new Error('The cluster suite runs with its own cluster: npm run test:cluster (vitest.cluster.config.ts), not with npm test.');
  const mailbox = await startMailbox();
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: inject('clusterAddress'),
    DATABASE_URL: inject('clusterDatabaseUrl'),
    DATA_DIR: dataDir,
    PAYLOAD_KEY: inject('payloadKey'),
    WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
    LOG_LEVEL: 'warn',
    METRICS_PORT: '0',
    PORT: '0',
  };
  const workers: PartProcess[] = await Promise.all(Array.from({ length: counts.workers }, () => spawnPart('worker', env)));
  const apis: PartProcess[] = await Promise.all(Array.from({ length: counts.apis }, () => spawnPart('api', env)));
  const config = readConfig(env);
  const store: Store = await openStore({ databaseUrl: env.DATABASE_URL, log: pino({ level: 'warn' }) });
  const temporal: Client = await connectClient(config, env.TEMPORAL_ADDRESS);
  const keys = JSON.parse(fs.readFileSync(path.join(dataDir, 'dev-keys.json'), 'utf8')).keys as Array<{ id: string; role: string; key: string }>;
  const keyOf = (id: string, role: string) => keys.find((k) => k.id === id && k.role === role)!.key;

  /** A real HTTP request to API number `api` (any index: taken modulo the number of APIs). */
  async function call(api: number, key: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(apis[api % apis.length].url + route, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  return {
    env,
    dataDir,
    workers,
    apis,
    mailbox,
    store,
    temporal,
    keyOf,
    call,
    /** A new worker in the place of worker `i` (after it was killed or stopped). */
    async replaceWorker(i: number) {
      workers[i] = await spawnPart('worker', env);
      return workers[i];
    },
    async stop() {
      await Promise.all([...apis, ...workers].map((part) => part.stop()));
      await temporal.connection.close();
      await store.close();
      await mailbox.close();
    },
  };
}

export type Fleet = Awaited<ReturnType<typeof startFleet>>;
