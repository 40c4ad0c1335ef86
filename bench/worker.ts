/**
 * One benchmark worker in a process of its own, so that its memory is its own: the product's worker
 * (the same `createProcessWorker` as `npm start`) or the bare one. The parent talks to it over IPC:
 * it says `ready`, answers `rss`, and stops on `stop`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import pino from 'pino';
import { openStore } from '../store/db';
import { connectClient, createProcessWorker, installRuntime } from '../worker';
import { readConfig, workerTuning } from '../worker/config';
import { bareActivities } from './bare/activities';

export interface WorkerSpec {
  mode: 'product' | 'bare';
  address: string;
  taskQueue: string;
  dataDir: string;
  bundlePath: string;
  /** Extra environment for the product's config (worker tuning, log level). */
  env: Record<string, string>;
}

export type ToWorker = { type: 'rss' } | { type: 'stop' };
export type FromWorker = { type: 'ready' } | { type: 'rss'; rss: number; heapUsed: number; cpuMs: number } | { type: 'stopped' };

const send = (message: FromWorker) => process.send!(message);

async function main() {
  const spec = JSON.parse(process.env.BENCH_WORKER_SPEC!) as WorkerSpec;
  const config = readConfig({ DATA_DIR: spec.dataDir, TASK_QUEUE: spec.taskQueue, ...spec.env });
  // The product logs as `npm start` does at its level, to a file rather than the benchmark's terminal.
  const log = pino({ level: config.LOG_LEVEL }, pino.destination({ dest: path.join(spec.dataDir, `worker-${process.pid}.log`), sync: false }));
  let worker: Worker;
  let cleanup = async () => {};
  if (spec.mode === 'product') {
    const store = await openStore({ dataDir: spec.dataDir, databaseUrl: config.DATABASE_URL, log });
    const client = await connectClient(config, spec.address);
    worker = await createProcessWorker({ config, address: spec.address, store, client, log, workflowBundle: { codePath: spec.bundlePath } });
    cleanup = async () => {
      await client.connection.close();
      await store.close();
    };
  } else {
    await installRuntime();
    worker = await Worker.create({
      connection: await NativeConnection.connect({ address: spec.address }),
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: spec.taskQueue,
      activities: bareActivities,
      workflowBundle: { codePath: spec.bundlePath },
      ...workerTuning(config),
    });
  }
  const running = worker.run();
  process.on('message', async (message: ToWorker) => {
    if (message.type === 'rss') {
      const { rss, heapUsed } = process.memoryUsage();
      const { user, system } = process.cpuUsage();
      send({ type: 'rss', rss, heapUsed, cpuMs: (user + system) / 1000 });
    } else if (message.type === 'stop') {
      worker.shutdown();
      await running;
      await cleanup();
      send({ type: 'stopped' });
      // A CPU profile (--cpu-prof) is written on a normal exit.
      process.exit(0);
    }
  });
  send({ type: 'ready' });
  await running;
}

main().catch((err) => {
  fs.writeSync(2, `benchmark worker failed: ${err?.stack ?? err}\n`);
  process.exit(1);
});
