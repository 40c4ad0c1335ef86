import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/** A worker in its own OS process (test/support/workerProcess.ts), to be killed like a crashed machine. */
export interface WorkerChild {
  child: ChildProcess;
  /** SIGKILL: no shutdown, no cleanup, whatever it was doing. Resolves when it is gone. */
  kill(): Promise<void>;
}

export async function spawnWorker(env: Record<string, string>, readyWithinMs = 60_000): Promise<WorkerChild> {
  const script = path.join(__dirname, 'workerProcess.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: string[] = [];
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    errors.push(line);
    if (errors.length > 50) errors.shift();
    console.error(`[worker ${child.pid}] ${line}`);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The worker process was not ready within ${readyWithinMs} ms: ${errors.slice(-10).join('\n')}`)), readyWithinMs);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('worker ready')) console.error(`[worker ${child.pid}] ${line}`);
      else {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The worker process exited (${signal ?? code}) before it was ready: ${errors.slice(-10).join('\n')}`));
    });
  });
  return {
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
