import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ProcessClient } from '../engineClient';
import { openStore } from '../store/db';
import { processSettings, readConfig } from '../worker/config';
import { round, percentile } from './stats';
import { sampleMemory, startWorker } from './workers';
import { bareDriver, drive, lifecycle, processesPerLifecycle, productDriver, transitionsPerLifecycle, type Driver } from './workload';

/**
 * `bare` is what a competent engineer writes by hand (an activity per record and per send); `bare-floor`
 * the cheapest correct hand-written design (records by local activity inside the Update, messages sent
 * in batches outside the history); `bare-sa` is bare writing the search attributes the product writes
 * for ops: what they alone cost the engine.
 */
export type Side = 'product' | 'bare' | 'bare-floor' | 'bare-sa';
export type Bundle = 'product' | 'bare';
const bundleOf = (side: Side): Bundle => (side === 'product' ? 'product' : 'bare');

export interface SideResult {
  side: Side;
  workers: number;
  lifecycles: number;
  processes: number;
  transitions: number;
  updates: number;
  seconds: number;
  processesPerSecond: number;
  transitionsPerSecond: number;
  updateLatencyMs: { p50: number; p95: number; p99: number };
  historyEventsPerTransition: number;
  workerRssMB: { max: number; end: number };
  /** CPU time of the worker processes per transition: what the machine pays, whatever its neighbours' load. */
  workerCpuMsPerTransition: number;
  /** The Temporal server's CPU time per transition: what the side's histories, payloads and visibility cost the engine. */
  serverCpuMsPerTransition: number;
  /** The benchmark process's own CPU time per transition: the side's client (and, for the product, its payload codec). */
  clientCpuMsPerTransition: number;
}

export interface PhaseContext {
  /** A plain client: the bare side, and reading histories. */
  temporal: Client;
  /** The product's client, with its payload codec (the workers get the same key through workerEnv). */
  productTemporal: Client;
  address: string;
  bundles: Record<Bundle, string>;
  workDir: string;
  /** Environment every worker of both sides reads: tuning and log level. */
  workerEnv: Record<string, string>;
  cpuProfileDir?: string;
  /** The Temporal server's process id, to read its CPU time. */
  serverPid: number;
  log: (line: string) => void;
}

/** CPU time (user + system) of a process so far, in ms, from /proc (Linux); undefined elsewhere. */
function processCpuMs(pid: number): number | undefined {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

const clientCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const MB = 1024 * 1024;
/** Lifecycles run before the clock starts, so both sides are measured warm. */
const WARMUP = 2;
/** Histories read to count events per transition. */
const HISTORY_SAMPLE = 10;

/** Runs `n` lifecycles on one side with its own worker processes and task queue, and measures them. */
export async function runSide(ctx: PhaseContext, side: Side, opts: { n: number; concurrency: number; workers: number; tag: string }): Promise<SideResult> {
  const taskQueue = `bench-${side}-${opts.tag}`;
  const dataDir = path.join(ctx.workDir, `${side}-${opts.tag}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const partnerIds = Array.from({ length: WARMUP + opts.n }, (_, i) => `${opts.tag}-${side}-${i}`);
  const config = readConfig({ DATA_DIR: dataDir, TASK_QUEUE: taskQueue, ...ctx.workerEnv });
  // The product's records store, as the API opens it: NRE milestones need business certification (R10), the
  // fact its own process would have announced; and a completed action releases the steps the store held.
  const store = side === 'product' ? await openStore({ dataDir, databaseUrl: config.DATABASE_URL }) : undefined;
  if (store) for (const id of partnerIds) await store.setPartnerFact(id, { fact: 'businessCertified', value: true });
  const workers = await Promise.all(
    Array.from({ length: opts.workers }, () =>
      startWorker({ mode: bundleOf(side), address: ctx.address, taskQueue, dataDir, bundlePath: ctx.bundles[bundleOf(side)], env: ctx.workerEnv }, { cpuProfileDir: ctx.cpuProfileDir }),
    ),
  );
  try {
    const driver: Driver =
      side === 'product'
        ? productDriver(new ProcessClient(ctx.productTemporal, { taskQueue, settings: processSettings(config), onCommitted: (id, version) => store!.releaseSteps(id, version) }))
        : bareDriver(ctx.temporal, taskQueue, { searchAttributes: side === 'bare-sa', floor: side === 'bare-floor' });
    await drive(driver, partnerIds.slice(0, WARMUP), WARMUP);
    const cpuBefore = await Promise.all(workers.map((w) => w.cpuMs()));
    const serverBefore = processCpuMs(ctx.serverPid);
    const clientBefore = clientCpuMs();
    const memory = sampleMemory(workers);
    const began = performance.now();
    const { latencies, processIds } = await drive(driver, partnerIds.slice(WARMUP), opts.concurrency);
    const seconds = (performance.now() - began) / 1000;
    const rss = await memory.stop();
    const cpuAfter = await Promise.all(workers.map((w) => w.cpuMs()));
    const serverMs = serverBefore === undefined ? NaN : processCpuMs(ctx.serverPid)! - serverBefore;
    const clientMs = clientCpuMs() - clientBefore;
    const cpuMs = cpuAfter.reduce((sum, ms, i) => sum + ms - cpuBefore[i], 0);
    const sample = processIds.slice(0, HISTORY_SAMPLE).flat();
    let events = 0;
    for (const id of sample) events += (await ctx.temporal.workflow.getHandle(id).fetchHistory()).events?.length ?? 0;
    const sampledTransitions = (sample.length / processesPerLifecycle) * transitionsPerLifecycle;
    const transitions = opts.n * transitionsPerLifecycle;
    return {
      side,
      workers: opts.workers,
      lifecycles: opts.n,
      processes: opts.n * processesPerLifecycle,
      transitions,
      updates: latencies.length,
      seconds: round(seconds, 1),
      processesPerSecond: round((opts.n * processesPerLifecycle) / seconds),
      transitionsPerSecond: round(transitions / seconds),
      updateLatencyMs: { p50: round(percentile(latencies, 50), 1), p95: round(percentile(latencies, 95), 1), p99: round(percentile(latencies, 99), 1) },
      historyEventsPerTransition: round(events / sampledTransitions),
      workerRssMB: { max: round(rss.maxBytes / MB, 0), end: round(rss.lastBytes / MB, 0) },
      workerCpuMsPerTransition: round(cpuMs / transitions),
      serverCpuMsPerTransition: round(serverMs / transitions),
      clientCpuMsPerTransition: round(clientMs / transitions),
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await store?.close();
  }
}

/** Opens `n` processes (onboarding, left waiting for the partner) on one product worker and reports its memory per open process. */
export async function openMany(ctx: PhaseContext, opts: { n: number; concurrency: number; tag: string }) {
  const taskQueue = `bench-open-${opts.tag}`;
  const dataDir = path.join(ctx.workDir, `open-${opts.tag}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const config = readConfig({ DATA_DIR: dataDir, TASK_QUEUE: taskQueue, ...ctx.workerEnv });
  // Every open process stays in the worker's cache, so the memory measured is that of open processes.
  const env = { ...ctx.workerEnv, WORKER_MAX_CACHED_WORKFLOWS: String(opts.n + 100) };
  const worker = await startWorker({ mode: 'product', address: ctx.address, taskQueue, dataDir, bundlePath: ctx.bundles.product, env });
  try {
    const driver = productDriver(new ProcessClient(ctx.productTemporal, { taskQueue, settings: processSettings(config) }));
    const onboarding = (id: string) => lifecycle(id)[0];
    for (let i = 0; i < 20; i++) await driver.start(onboarding(`${opts.tag}-warm-${i}`), `${opts.tag}-warm-${i}`);
    const before = await worker.rss();
    const began = performance.now();
    let next = 0;
    const lane = async () => {
      while (next < opts.n) {
        const id = `${opts.tag}-open-${next++}`;
        await driver.start(onboarding(id), id);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, lane));
    const seconds = (performance.now() - began) / 1000;
    (globalThis as { gc?: () => void }).gc?.();
    const after = await worker.rss();
    const open = await ctx.temporal.workflow
      .count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`)
      .then((c) => c.count)
      .catch(() => null);
    return {
      opened: opts.n,
      runningOnServer: open,
      seconds: round(seconds, 1),
      startsPerSecond: round(opts.n / seconds),
      workerRssMB: { before: round(before / MB, 0), after: round(after / MB, 0) },
      kBPerOpenProcess: round((after - before) / 1024 / opts.n, 1),
    };
  } finally {
    await worker.stop();
  }
}
