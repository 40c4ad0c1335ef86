import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { ProcessClient } from '../engineClient';
import { kindOf } from '../machines/registry';
import type { Actor } from '../machines/types';
import { ensureSearchAttributes, freePort, startDevServer } from '../scripts/devServer';
import { openStore } from '../store/db';
import { connectClient, connectionOptions, createProcessWorker } from '../worker';
import { workflowBundleOptions } from '../worker/bundle';
import { processSettings, readConfig } from '../worker/config';
import { machineFacts, replaceSection } from './report';

/**
 * `npm run bench -- --migrate 1000`: how long moving that many open processes to another version of
 * their kind takes on this machine, the whole product on a dev server of its own: `nre-milestones`
 * processes on v1, each waiting for its review (timers pending), moved to v2 at the default rate of 50 a
 * second, then back to v1 with no rate limit (what the engine and one worker can do).
 */
export async function benchMigration(count: number, options: { writeDoc: boolean; docPath: string; log: (line: string) => void }) {
  const { log } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-bench-migrate-'));
  const server = await startDevServer({ dataDir: dir, port: await freePort(), uiPort: await freePort(), log: () => {} });
  const config = readConfig({ DATA_DIR: dir, TASK_QUEUE: `bench-migrate-${randomUUID()}`, PAYLOAD_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' });
  const quiet = pino({ level: 'error' });
  const connection = await Connection.connect(connectionOptions(config, server.address));
  await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  await connection.close();
  const store = await openStore({ dataDir: dir, log: quiet });
  const temporal = await connectClient(config, server.address);
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
  fs.writeFileSync(path.join(dir, 'bundle.js'), code);
  const worker = await createProcessWorker({ config, address: server.address, store, client: temporal, log: quiet, workflowBundle: { codePath: path.join(dir, 'bundle.js') } });
  const running = worker.run();
  const client = new ProcessClient(temporal, { taskQueue: config.TASK_QUEUE, settings: processSettings(config), answerWithinMs: 120_000, onCommitted: (id, version) => store.releaseSteps(id, version) });
  const partner: Actor = { id: 'alice@bench', role: 'partner', partnerId: 'bench' };
  const reviewer: Actor = { id: 'li.reviewer', role: 'reviewer' };
  const ops: Actor = { id: 'ops', role: 'ops' };
  try {
    const certification = 'business-certification:bench';
    await client.start({ kind: kindOf('business-certification')!, processId: certification, partnerId: 'bench', businessKey: null, input: {}, startedBy: partner });
    await client.act(certification, { action: { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X', materials: [{ name: 'Licence', url: 'https://files.example/l.pdf' }] }, actor: partner });
    await client.act(certification, { action: { type: 'APPROVE' }, actor: reviewer });

    log(`Migration benchmark: ${count} nre-milestones processes on v1, each waiting for its review`);
    const v1 = kindOf('nre-milestones', 1)!;
    const ids = Array.from({ length: count }, (_, i) => `nre-milestones:bench:m${i}`);
    const opened = Date.now();
    for (let i = 0; i < ids.length; i += 16)
      await Promise.all(
        ids.slice(i, i + 16).map(async (id) => {
          await client.start({ kind: v1, processId: id, partnerId: 'bench', businessKey: id.split(':')[2], input: {}, startedBy: partner });
          await client.act(id, { action: { type: 'APPLY', milestone: 1 }, actor: partner });
        }),
      );
    log(`  opened in ${((Date.now() - opened) / 1000).toFixed(1)} s`);

    const move = async (to: number, perSecond: number) => {
      const id = randomUUID();
      await store.kindMigrations.create({ id, kind: 'nre-milestones', to, mapping: null, processIds: null, requestedBy: ops.id });
      const started = Date.now();
      await client.startMigration('nre-milestones', id, perSecond);
      await temporal.workflow.getHandle(`migration:nre-milestones`).result();
      const seconds = (Date.now() - started) / 1000;
      const counts = await store.kindMigrations.counts(id);
      log(`  to v${to} at up to ${perSecond}/s: ${seconds.toFixed(1)} s, ${counts.moved} moved, ${counts.stayed} stayed, ${counts.failed} failed (${(counts.moved / seconds).toFixed(1)} processes/s)`);
      return { to, perSecond, seconds: Number(seconds.toFixed(1)), ...counts, perSecondAchieved: Number((counts.moved / seconds).toFixed(1)) };
    };
    const rows = [await move(2, 50), await move(1, 1000)];
    const machine = machineFacts();
    if (options.writeDoc)
      replaceSection(
        options.docPath,
        'migrate',
        [
          `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench -- --migrate ${count}\` (${machine.cpus} CPUs, ${machine.cpuModel}, load ${machine.loadAverage.join(' ')}; one worker, the dev server, SQLite records):`,
          '',
          '| move | rate limit | seconds | moved | stayed | failed | processes/s |',
          '|---|---:|---:|---:|---:|---:|---:|',
          ...rows.map((r) => `| ${count} open processes to v${r.to} | ${r.perSecond}/s | ${r.seconds} | ${r.moved} | ${r.stayed} | ${r.failed} | ${r.perSecondAchieved} |`),
        ].join('\n'),
      );
    return rows;
  } finally {
    worker.shutdown();
    await running;
    await temporal.connection.close();
    await store.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
