import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FromWorker, ToWorker, WorkerSpec } from './worker';

/** Benchmark workers as child processes: started, asked for their memory, stopped. */
export interface WorkerProcess {
  rss(): Promise<number>;
  /** CPU time the worker process has used so far, all its threads. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

function request(child: ChildProcess, message: ToWorker, answer: FromWorker['type']): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: FromWorker) => {
      if (reply.type !== answer) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(reply);
    };
    const onExit = (code: number | null) => reject(new Error(`benchmark worker exited (code ${code}) before answering ${message.type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

export async function startWorker(spec: WorkerSpec, opts: { cpuProfileDir?: string } = {}): Promise<WorkerProcess> {
  const child = fork(path.join(__dirname, 'worker.ts'), [], {
    execArgv: ['--import', 'tsx', ...(opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : [])],
    env: { ...process.env, BENCH_WORKER_SPEC: JSON.stringify(spec) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`benchmark worker (${spec.mode}) exited with code ${code} while starting`)));
    child.on('message', (m: FromWorker) => m.type === 'ready' && resolve());
  });
  return {
    rss: async () => ((await request(child, { type: 'rss' }, 'rss')) as { rss: number }).rss,
    cpuMs: async () => ((await request(child, { type: 'rss' }, 'rss')) as { cpuMs: number }).cpuMs,
    async stop() {
      await request(child, { type: 'stop' }, 'stopped');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
      process.removeListener('exit', killOnExit);
    },
  };
}

/** Samples the workers' memory every half second: the largest sum seen, and the last. */
export function sampleMemory(workers: WorkerProcess[]) {
  let max = 0;
  let last = 0;
  const sample = async () => {
    last = (await Promise.all(workers.map((w) => w.rss()))).reduce((a, b) => a + b, 0);
    max = Math.max(max, last);
  };
  const timer = setInterval(() => void sample().catch(() => {}), 500);
  return {
    async stop() {
      clearInterval(timer);
      await sample();
      return { maxBytes: max, lastBytes: last };
    },
  };
}
