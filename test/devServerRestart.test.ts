import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { PID_FILE } from '../scripts/devServerOrphans';
import { freePort, startDevServer, type DevServer } from '../scripts/devServer';
import { isAlive } from '../scripts/processes';

/**
 * Clean restarts: `npm start`'s dev server runs in its own process group, so it outlives an `npm start`
 * that is killed. The next start on the same data finds it (pid file in DATA_DIR), stops it and starts
 * its own; a start on other data whose ports it holds is refused with a sentence naming port and pid.
 */
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-orphan-'));
  dirs.push(dir);
  return dir;
};
const servers: DevServer[] = [];
const orphans: number[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const pid of orphans) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A start that is then SIGKILLed: its dev server lives on. Resolves with the orphan's pid. (An orphan
 * dies of SIGPIPE at its first log line, its parent's pipe being gone: so anything to do on it is done
 * in `meanwhile`, before the kill, and the orphan is left idle.)
 */
async function orphanedServer(dataDir: string, port: number, uiPort: number, meanwhile: () => Promise<void> = async () => {}): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'support/orphanStarter.ts')], {
    env: { ...process.env, DATA_DIR: dataDir, TEMPORAL_DEV_PORT: String(port), TEMPORAL_UI_PORT: String(uiPort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = await new Promise<number>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^ready (\d+)/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`the starter exited (${code}) before its server was ready`)));
  });
  orphans.push(pid);
  await meanwhile();
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
  return pid;
}

describe('clean restarts of the dev server', () => {
  it('finds the dev server a killed start left on the same data (its pid file), stops it and starts afresh: workflows kept, no second server', async () => {
    const dataDir = tempDir();
    const [port, uiPort] = [await freePort(), await freePort()];
    // Something the next start must still find: a workflow nobody works on.
    const orphan = await orphanedServer(dataDir, port, uiPort, async () => {
      const early = await Connection.connect({ address: `127.0.0.1:${port}` });
      await new Client({ connection: early }).workflow.start('nothing', { taskQueue: 'nobody-polls', workflowId: 'kept-across-the-orphan' });
      await early.close();
    });
    expect(isAlive(orphan)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, PID_FILE), 'utf8'))).toMatchObject({ pid: orphan, port, uiPort });

    const lines: string[] = [];
    const server = await startDevServer({ dataDir, port, uiPort, log: (line) => lines.push(line) });
    servers.push(server);
    expect(isAlive(orphan)).toBe(false);
    expect(server.pid).not.toBe(orphan);
    expect(lines.some((line) => line.includes(`pid ${orphan}`) && line.includes('stopping it'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, PID_FILE), 'utf8')).pid).toBe(server.pid);

    const connection = await Connection.connect({ address: server.address });
    expect((await new Client({ connection }).workflow.getHandle('kept-across-the-orphan').describe()).status.name).toBe('RUNNING');
    await connection.close();

    await server.stop();
    servers.pop();
    expect(fs.existsSync(path.join(dataDir, PID_FILE))).toBe(false);
  }, 120_000);

  it('refuses to start on other data when a dev server holds the port, naming the port and its pid, and leaves that server alone', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const orphan = await orphanedServer(tempDir(), port, uiPort);
    const other = tempDir();
    const refusal = startDevServer({ dataDir: other, port, uiPort: await freePort() });
    await expect(refusal).rejects.toThrow(new RegExp(`port \\(TEMPORAL_DEV_PORT\\) ${port} is in use by pid ${orphan}, a Temporal dev server serving .*temporal\\.sqlite`));
    await expect(refusal).rejects.toThrow(`kill ${orphan}`);
    expect(isAlive(orphan)).toBe(true);
    expect(fs.existsSync(path.join(other, PID_FILE))).toBe(false);
  }, 120_000);
});
