import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/**
 * `npm run worker` or `npm run api` as its own OS process (scripts/worker.ts, scripts/api.ts), configured
 * by the environment given, as an operator would run it: ready when it prints its ready line.
 */
export interface PartProcess {
  child: ChildProcess;
  pid: number;
  /** The API's base URL (api only). */
  url?: string;
  metricsUrl: string;
  /** SIGKILL: no shutdown, whatever it was doing. Resolves when it is gone. */
  kill(): Promise<void>;
  /** SIGTERM: the part finishes what it holds and exits; resolves with its exit code. */
  stop(): Promise<number | null>;
}

const root = path.join(__dirname, '../..');

export async function spawnPart(part: 'worker' | 'api', env: Record<string, string>, readyWithinMs = 120_000): Promise<PartProcess> {
  const script = path.join(root, 'scripts', `${part}.ts`);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    remember(line);
    console.error(`[${part} ${child.pid}] ${line}`);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm run ${part} was not ready within ${readyWithinMs} ms:\n${tail.join('\n')}`)), readyWithinMs);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      remember(line);
      if (/^partnerflow (worker|API) ready/.test(line)) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`npm run ${part} exited (${signal ?? code}) before it was ready:\n${tail.join('\n')}`));
    });
  });
  const url = part === 'api' ? /ready: (http:\/\/\S+)\/v1/.exec(ready)?.[1] : undefined;
  const metricsUrl = /metrics (http:\/\/\S+?\/metrics)/.exec(ready)?.[1];
  if (!metricsUrl || (part === 'api' && !url)) throw new Error(`Unexpected ready line: ${ready}`);
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: child.pid!,
    url,
    metricsUrl,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      return exited;
    },
  };
}
