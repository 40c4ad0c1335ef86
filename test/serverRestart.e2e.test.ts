import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDevServer, type DevServer } from '../scripts/devServer';
import { certifyBusiness, eventually } from './support/flows';
import { writeFigures } from './support/figures';
import { startProduct, type Product } from './support/product';
import { materials } from './support/fixtures';

/**
 * A Temporal dev server of this file's own (the run's shared one must not be restarted), stopped and
 * started again on the same SQLite file while processes are open, some with review timers running.
 */
const RESTARTS = 3;
const PROCESSES = 6;

let server: DevServer;
let product: Product;
const serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-restart-'));
let ports: { port: number; uiPort: number };

const startServer = () => startDevServer({ dataDir: serverDir, ...ports, ui: false });

beforeAll(async () => {
  ports = { port: await freePort(), uiPort: await freePort() };
  server = await startServer();
  // Reviews are due 6 s after submission and reminded 3 s before: timers that run across a restart.
  product = await startProduct({ temporalAddress: server.address, env: { REVIEW_DUE: '{"*":{"ms":6000}}', REVIEW_REMIND_BEFORE_MS: '3000' } });
});
afterAll(async () => {
  await product?.stop();
  await server?.stop();
  fs.rmSync(serverDir, { recursive: true, force: true });
});

describe('the Temporal server restarted on its SQLite file', () => {
  it(`R71 open processes survive ${RESTARTS} restarts of the engine: timers fire, actions continue, every process completes`, async () => {
    const began = Date.now();
    const certification = await certifyBusiness(product, 'acme');
    const ids: string[] = [];
    for (let i = 0; i < PROCESSES; i++) {
      const id = (await product.start('acme', 'nre-milestones', {}, { businessKey: `restart-${i}` })).body.id as string;
      expect((await product.act('acme', id, { type: 'APPLY', milestone: 1, materials })).status).toBe(200);
      ids.push(id);
    }

    let restarts = 0;
    let readsWhileDown = 0;
    const restart = async () => {
      await server.stop();
      // The engine is down: the API still answers reads from the records store.
      for (const id of ids) {
        expect((await product.view('acme', id)).status).toBe(200);
        readsWhileDown++;
      }
      server = await startServer();
      restarts++;
    };

    await restart();
    // The review timers set before the restart fire after it: the reminder and the escalation.
    for (const id of ids)
      await eventually(() => product.view('li', id), (r) => r.body.records.some((x: { event: string }) => x.event === 'reviewOverdue'), 60_000);

    for (const milestone of [1, 2, 3]) {
      for (const id of ids) {
        if (milestone > 1) expect((await product.act('acme', id, { type: 'APPLY', milestone, materials })).status).toBe(200);
        expect((await product.act('li', id, { type: 'APPROVE' })).status).toBe(200);
      }
      if (restarts < RESTARTS) await restart();
    }

    for (const id of ids) {
      const view = (await product.view('acme', id)).body;
      expect(view).toMatchObject({ state: 'accepted', done: true });
      expect(view.records.map((r: { seq: number }) => r.seq)).toEqual([...Array(view.records.length).keys()]);
      expect(view.records.filter((r: { event: string }) => r.event === 'APPROVE')).toHaveLength(3);
      await eventually(async () => (await product.client.temporal.workflow.getHandle(id).describe()).status.name, (s) => s === 'COMPLETED');
    }
    // The process that ended before the first restart is still in the engine's history.
    expect((await product.client.temporal.workflow.getHandle(certification).describe()).status.name).toBe('COMPLETED');

    writeFigures('server-restart', {
      restarts,
      openProcesses: PROCESSES,
      timersAcrossRestart: PROCESSES * 2,
      readsWhileDown,
      completed: PROCESSES,
      lostTransitions: 0,
      seconds: Math.round((Date.now() - began) / 1000),
    });
  }, 240_000);
});
