import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindOf } from '../machines/registry';
import type { Role } from '../machines/types';
import { freePort } from '../scripts/devServer';
import { eventually } from './support/flows';
import { pathToEnd } from './support/paths';
import type { FixtureProcess } from './upgrade/makeFixture';

/**
 * Upgrades in place: `npm start` of this checkout on a data folder that release 1cee4be's own `npm start`
 * made and was stopped on (test/upgrade/makeFixture.ts), with processes open in every state of every
 * kind. Every one must still be where it was, on the version it started on, and able to finish; timers
 * that came due while it was stopped fire.
 */

const root = path.join(__dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-upgrade-'));
execFileSync('tar', ['-xzf', path.join(__dirname, 'upgrade/release-1cee4be.tar.gz'), '-C', dataDir]);
const manifest = JSON.parse(fs.readFileSync(path.join(dataDir, 'manifest.json'), 'utf8')) as { teams: Record<string, Record<Role, string>>; processes: FixtureProcess[] };
const opsKey = Object.values(manifest.teams)[0].ops;

let child: ChildProcess;
let url: string;
let output = '';

async function call(key: string, method: string, route: string, body?: unknown) {
  const response = await fetch(url + route, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, body: (await response.json()) as any };
}
const view = (id: string) => call(opsKey, 'GET', `/v1/processes/${encodeURIComponent(id)}`);

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    PC_KEYS_FILE: path.join(dataDir, 'keys.json'),
    LOG_LEVEL: 'warn',
  };
  // Its own engine on the release's SQLite file, as `npm start` runs on a kept data folder.
  delete env.TEMPORAL_ADDRESS;
  delete env.PAYLOAD_KEY;
  child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not come up on the release's data folder:\n${output}`)), 120_000);
    child.stdout!.on('data', () => output.includes('partnerflow is running') && (clearTimeout(timer), resolve()));
    child.once('exit', () => reject(new Error(`npm start exited on the release's data folder:\n${output}`)));
  });
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('upgrading an installation of release 1cee4be in place', () => {
  it('every process is where it was, on the version it started on; timers that came due while it was stopped fire', async () => {
    expect(manifest.processes.filter((p) => !p.done).length).toBeGreaterThan(30);
    for (const p of manifest.processes.filter((p) => !p.timersDue)) {
      const { status, body } = await view(p.id);
      expect(status, p.id).toBe(200);
      expect({ state: body.state, version: body.version, done: body.done, kindVersion: body.kindVersion }, p.id).toEqual({ state: p.state, version: p.version, done: p.done, kindVersion: 1 });
    }
    const milestones = manifest.processes.find((p) => p.timersDue && p.kind === 'nre-milestones')!;
    const reviewed = await eventually(() => view(milestones.id), (r) => r.body.records.some((x: { event: string }) => x.event === 'reviewOverdue'), 60_000);
    expect(reviewed.body.state).toBe('underReview');
    expect(reviewed.body.records.map((r: { event: string }) => r.event).slice(-2)).toEqual(['reviewReminder', 'reviewOverdue']);
    const payment = manifest.processes.find((p) => p.timersDue && p.kind === 'partner-payment')!;
    expect((await eventually(() => view(payment.id), (r) => r.body.state === 'unpaid', 60_000)).body.records.at(-1).event).toBe('paymentReminder');
  }, 240_000);

  it('a process keeps the rules of its version: a v1 milestone application needs no materials', async () => {
    const open = manifest.processes.find((p) => p.kind === 'nre-milestones' && p.state === 'open')!;
    const applied = await call(manifest.teams[open.team].partner, 'POST', `/v1/processes/${encodeURIComponent(open.id)}/actions`, { type: 'APPLY', milestone: 1 });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body).toMatchObject({ state: 'underReview', kindVersion: 1 });
    open.steps.push({ role: 'partner', action: { type: 'APPLY', milestone: 1 } });
  });

  it('every open process can finish', async () => {
    const open = manifest.processes.filter((p) => !p.done);
    // A few at a time, as people would: the upgraded worker loads each process's history on its first action.
    const finish = async (p: FixtureProcess) => {
      const keys = manifest.teams[p.team];
      const rest = pathToEnd(kindOf(p.kind, 1)!, p.starter, p.steps);
      expect(rest, `${p.id} has a way to its end`).toBeDefined();
      for (const step of rest!) {
        const moved = await call(keys[step.role], 'POST', `/v1/processes/${encodeURIComponent(p.id)}/actions`, step.action);
        expect(moved.status, `${p.id}: ${step.role} ${JSON.stringify(step.action)} → ${JSON.stringify(moved.body)}`).toBe(200);
      }
      expect((await view(p.id)).body.done, p.id).toBe(true);
    };
    for (let i = 0; i < open.length; i += 6) await Promise.all(open.slice(i, i + 6).map(finish));
  }, 240_000);

  it('the release\'s data folder is its owner\'s only now (0700, files 0600), and its customers are read as before', async () => {
    const mode = (file: string) => fs.statSync(file).mode & 0o777;
    expect(mode(dataDir)).toBe(0o700);
    // A running SQLite database's journal comes and goes between listing and looking: each file as it is then.
    for (const file of fs.readdirSync(dataDir)) {
      const stat = fs.statSync(path.join(dataDir, file), { throwIfNoEntry: false });
      if (stat?.isFile()) expect([file, stat.mode & 0o777]).toEqual([file, 0o600]);
    }
    // Customer ids became each partner’s own (migration 011): every customer the release created is where it was.
    const created = manifest.processes.filter((p) => p.kind === 'customer-creation' && p.state !== 'openingAccount' && p.state !== 'refused');
    expect(created.length).toBeGreaterThan(0);
    for (const p of created) {
      // makeFixture.ts: business key `release-<n>`, customer id `new-<n>`.
      const customerId = `new-${p.id.split(':').at(-1)!.replace(/^release-/, '')}`;
      const { status, body } = await call(manifest.teams[p.team].partner, 'GET', `/v1/customers/${customerId}`);
      expect([p.id, status, body.creationProcessId]).toEqual([p.id, 200, p.id]);
    }
  });

  it('stops cleanly on Ctrl-C', async () => {
    child.kill('SIGINT');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  }, 60_000);
});
