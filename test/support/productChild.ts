import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/** The product (worker and API) in its own OS process (test/support/productProcess.ts), to be killed like a crashed machine. */
export interface ProductChild {
  child: ChildProcess;
  /** A spare's go: it starts the worker and the API, and resolves once they run. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown, no cleanup, whatever it was doing. Resolves when it is gone. */
  kill(): Promise<void>;
}

/**
 * Spawns the product; with `standby`, a warm spare that has loaded its code and starts when told to.
 * Resolves once it is ready (or, a spare, standing by).
 */
export async function spawnProduct(env: Record<string, string>, options: { standby?: boolean; readyWithinMs?: number } = {}): Promise<ProductChild> {
  const readyWithinMs = options.readyWithinMs ?? 60_000;
  const script = path.join(__dirname, 'productProcess.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env, STANDBY: options.standby ? '1' : '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const errors: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    errors.push(line);
    if (errors.length > 50) errors.shift();
    console.error(`[product ${child.pid}] ${line}`);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = readline.createInterface({ input: child.stdout! });
  const said = (what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`The product process did not say "${what}" within ${readyWithinMs} ms: ${errors.slice(-10).join('\n')}`)), readyWithinMs);
      const onLine = (line: string) => {
        if (!line.includes(what)) return;
        clearTimeout(timer);
        lines.off('line', onLine);
        resolve();
      };
      lines.on('line', onLine);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`The product process exited (${signal ?? code}) before it said "${what}": ${errors.slice(-10).join('\n')}`));
      });
    });
  lines.on('line', (line) => {
    if (line !== 'standby' && line !== 'product ready') console.error(`[product ${child.pid}] ${line}`);
  });
  await said(options.standby ? 'standby' : 'product ready');
  return {
    child,
    async start() {
      const ready = said('product ready');
      child.stdin!.write('go\n');
      await ready;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
