import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../scripts/devServer';
import { expectKeysWalkthrough } from './support/walkthroughs';

const root = path.join(__dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-start-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** A README walkthrough, exactly as a new user would paste it, pointed at this run's port and data folder. */
function readmeWalkthrough(title: string, port: number): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = readme.split(`## Walkthrough: ${title}`)[1].split('```sh')[1].split('```')[0];
  return block.replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`).replaceAll('./data/dev-keys.json', path.join(dataDir, 'dev-keys.json'));
}

describe('npm start', () => {
  it('R1 R2 R10 R11 R12 R13 R20 R21 R22 R23 R30 R31 R32 R71 R72 serves the API with dev keys, runs the README walkthroughs end to end, and stops cleanly on Ctrl-C', async () => {
    const port = await freePort();
    // A data folder as loose as an earlier release left it: npm start closes it to others.
    fs.chmodSync(dataDir, 0o755);
    // Pointed at this run's Temporal server, as at an external cluster: it registers its search attributes itself.
    // It seals with the run's key, as every deployment on one namespace must: ops' list queries read all memos.
    const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, TEMPORAL_ADDRESS: inject('temporalAddress'), PAYLOAD_KEY: inject('payloadKey'), TASK_QUEUE: `start-${port}`, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not come up:\n${output}`)), 60_000);
        child.stdout.on('data', () => output.includes('partnerflow is running') && (clearTimeout(timer), resolve()));
        child.once('exit', () => reject(new Error(`npm start exited:\n${output}`)));
      });
      expect(output).toContain(`http://127.0.0.1:${port}/openapi.json`);
      expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
      // A running SQLite database's journal comes and goes between listing and looking: each file as it is then.
      for (const file of fs.readdirSync(dataDir)) {
        const stat = fs.statSync(path.join(dataDir, file), { throwIfNoEntry: false });
        if (stat?.isFile()) expect([file, stat.mode & 0o777]).toEqual([file, 0o600]);
      }

      const keys = JSON.parse(fs.readFileSync(path.join(dataDir, 'dev-keys.json'), 'utf8')).keys as Array<{ id: string; role: string }>;
      expect(new Set(keys.map((k) => k.role))).toEqual(new Set(['partner', 'reviewer', 'customer', 'ops', 'system', 'manager']));
      const chen = keys.filter((k) => k.id === 'chen').map((k) => k.role).sort();
      expect(chen).toEqual(['partner', 'reviewer']);

      const run = async (title: string) => {
        const { stdout } = await promisify(execFile)('bash', ['-c', readmeWalkthrough(title, port)], { cwd: root, timeout: 60_000 });
        return stdout.trim().split('\n').map((line) => JSON.parse(line));
      };
      const replies = await run('onboarding and all three milestones');
      const refusals = replies.filter((r) => r.error).map((r) => r.error.code);
      expect(refusals).toEqual(['prerequisites_unmet', 'business_certification_required', 'milestone_out_of_order']);
      expect(replies.at(-1)).toMatchObject({ id: 'nre-milestones:acme:smart-factory', state: 'accepted', done: true });
      expect(replies.at(-1).records.filter((r: { event: string }) => r.event === 'APPROVE')).toHaveLength(3);

      const day = await run("a reviewer's day");
      expect(day.filter((r) => r.error).map((r) => r.error.code)).toEqual(['claimed_by_other']);
      const inbox = day.find((r) => Array.isArray(r.items));
      expect(inbox.items.map((i: { id: string }) => i.id)).toContain('initiation-review:acme:smart-retail');
      expect(inbox.items[0].task.dueAtLocal).toMatch(/T18:00:00\.000\+08:00$/);
      const last = (id: string) => day.filter((r) => r.id === id).at(-1);
      expect(last('delivery-evaluation:acme:smart-port')).toMatchObject({ state: 'passed', done: true });
      expect(last('initiation-review:acme:smart-retail')).toMatchObject({ state: 'complete', done: true });
      expect(day.at(-1).states.find((s: { id: string }) => s.id === 'open.initiation.notPassed').label['zh-CN']).toBe('立项审核不通过');

      expectKeysWalkthrough(await run('keys, a reviewer away, bulk decisions and review times'));

      // The CLI against npm start, as the README shows it (`npx partnerflow`, the package's bin).
      const acmeKey = (keys as Array<{ id: string; role: string; key: string }>).find((k) => k.id === 'alice@acme' && k.role === 'partner')!.key;
      const { stdout: shown } = await promisify(execFile)('npx', ['partnerflow', 'show', 'nre-milestones:acme:smart-factory', '--json'], {
        cwd: root,
        env: { ...process.env, PARTNERFLOW_URL: `http://127.0.0.1:${port}`, PARTNERFLOW_KEY: acmeKey },
      });
      expect(JSON.parse(shown)).toMatchObject({ state: 'accepted', done: true });
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    // Start-up, three walkthroughs and the CLI, each a process of its own.
  }, 180_000);
});
