/**
 * Makes the data folder that test/upgrade.e2e.test.ts upgrades: an installation of an earlier release,
 * with processes open in every state of every kind, as its own `npm start` left them when it was stopped.
 *
 *   git worktree add /tmp/release 1cee4be && (cd /tmp/release && npm ci)
 *   npx tsx test/upgrade/makeFixture.ts /tmp/release test/upgrade/release-1cee4be.tar.gz
 *
 * The release runs its own code; this script only drives it over HTTP, along paths found on this
 * checkout's copy of the release's machines (version 1 of every kind, unchanged since: the replay of
 * that release's histories proves it).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { kindOf, registry } from '../../machines/registry';
import type { Role } from '../../machines/types';
import { freePort } from '../../scripts/devServer';
import { fixtures, licence } from '../support/fixtures';
import { pathsToEveryState, type Step } from '../support/paths';

export interface FixtureProcess {
  id: string;
  /** Its review or payment timers come due within a minute of the fixture's making: they fire once the upgraded installation starts. */
  timersDue?: boolean;
  kind: string;
  kindVersion: number;
  state: string;
  version: number;
  done: boolean;
  team: string;
  starter: Role;
  steps: Step[];
}

type Call = (key: string, method: string, route: string, body?: unknown) => Promise<{ status: number; body: any }>;

async function main() {
  const [releaseDir, outFile] = process.argv.slice(2);
  if (!releaseDir || !outFile) throw new Error('Usage: makeFixture.ts <release checkout with node_modules> <out.tar.gz>');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-release-'));
  const staff = [
    { key: `release-reviewer-li-${randomUUID()}`, id: 'li.reviewer', role: 'reviewer', name: 'Li Na', email: 'li.na@partnerflow.local' },
    { key: `release-reviewer-wang-${randomUUID()}`, id: 'wang.reviewer', role: 'reviewer', name: 'Wang Wei', email: 'wang.wei@partnerflow.local' },
    { key: `release-ops-${randomUUID()}`, id: 'ops', role: 'ops' },
    { key: `release-system-${randomUUID()}`, id: 'system', role: 'system' },
  ];
  const keys: Array<Record<string, string | undefined>> = [...staff];
  const teams = new Map<string, Record<Role, string>>();
  const newTeam = () => {
    const n = `t${teams.size + 1}`;
    const partnerId = `release-${n}`;
    const team = {
      partner: `release-partner-${n}-${randomUUID()}`,
      customer: `release-customer-${n}-${randomUUID()}`,
      manager: `release-manager-${n}-${randomUUID()}`,
      reviewer: staff[0].key,
      ops: staff[2].key,
      system: staff[3].key,
    } as Record<Role, string>;
    keys.push(
      { key: team.partner, id: `lead@${partnerId}`, role: 'partner', partnerId },
      { key: team.customer, id: `cust@${partnerId}`, role: 'customer', customerId: `cust-${n}`, partnerId },
      { key: team.manager, id: `mgr@${partnerId}`, role: 'manager', partnerId },
    );
    teams.set(n, team);
    return { n, partnerId, customerId: `cust-${n}` };
  };

  // Plan every process first: the keys file must hold every team before the release starts.
  const planned: Array<{ kind: string; team: ReturnType<typeof newTeam>; starter: Role; steps: Step[]; timersDue?: boolean }> = [];
  for (const name of Object.keys(registry)) {
    const paths = pathsToEveryState(kindOf(name, 1)!);
    for (const p of paths) planned.push({ kind: name, team: newTeam(), starter: p.starter, steps: p.steps });
    const due = name === 'nre-milestones' ? paths.find((p) => p.rows.includes('underReview')) : name === 'partner-payment' ? paths.find((p) => p.rows.includes('awaitingPartner')) : undefined;
    if (due) planned.push({ kind: name, team: newTeam(), starter: due.starter, steps: due.steps, timersDue: true });
  }
  fs.writeFileSync(path.join(dataDir, 'keys.json'), JSON.stringify({ keys }, null, 1));

  /** Runs the release's own `npm start` on the data folder with these settings, does `work`, then stops it as a person would: Ctrl-C. */
  async function withRelease(settings: Record<string, string>, work: (call: Call) => Promise<void>) {
    const port = await freePort();
    const env = {
      ...process.env,
      ...settings,
      DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_UI_PORT: String(await freePort()),
      PC_KEYS_FILE: path.join(dataDir, 'keys.json'),
      LOG_LEVEL: 'warn',
    };
    delete (env as Record<string, string | undefined>).TEMPORAL_ADDRESS;
    const child = spawn(process.execPath, [path.join(releaseDir, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], { cwd: releaseDir, env, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        if (out.includes('partnerflow is running')) resolve();
      });
      child.once('exit', () => reject(new Error(`The release's npm start exited:\n${out}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    await work(async (key, method, route, body) => {
      const response = await fetch(url + route, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: response.status, body: await response.json() };
    });
    // Let the last messages go out.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
  }

  const manifest: FixtureProcess[] = [];
  const drive = async (call: Call, { kind, team, starter, steps }: (typeof planned)[number], timersDue = false) => {
    const keysOf = teams.get(team.n)!;
    if (kind === 'nre-milestones' || kind === 'role-certification') {
      const cert = await call(keysOf.partner, 'POST', '/v1/processes', { kind: 'business-certification', input: {} });
      await call(keysOf.partner, 'POST', `/v1/processes/${encodeURIComponent(cert.body.id)}/actions`, { type: 'SUBMIT', ...licence });
      await call(staff[1].key, 'POST', `/v1/processes/${encodeURIComponent(cert.body.id)}/actions`, { type: 'APPROVE' });
    }
    const input = fixtures[kind].start(team.customerId);
    if (kind === 'customer-creation') input.customerId = `new-${team.n}`;
    const started = await call(keysOf[starter], 'POST', '/v1/processes', { kind, input, businessKey: `release-${team.n}`, ...(starter === 'system' ? { partnerId: team.partnerId } : {}) });
    if (started.status !== 201) throw new Error(`${kind}: ${JSON.stringify(started.body)}`);
    const id = started.body.id as string;
    for (const step of steps) {
      const moved = await call(keysOf[step.role], 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, step.action);
      if (moved.status !== 200) throw new Error(`${kind} ${step.role} ${JSON.stringify(step.action)}: ${JSON.stringify(moved.body)}`);
    }
    const view = (await call(staff[2].key, 'GET', `/v1/processes/${encodeURIComponent(id)}`)).body;
    manifest.push({ id, kind, kindVersion: 1, state: view.state, version: view.version, done: view.done, team: team.n, starter, steps, ...(timersDue ? { timersDue } : {}) });
  };

  // Every process in every state, with timers due in ten years: each is where it was when the upgrade starts.
  const decade = String(10 * 365 * 24 * 3600 * 1000);
  await withRelease({ REVIEW_DUE: `{"*":{"ms":${decade}}}`, REVIEW_REMIND_BEFORE_MS: '86400000', PAYMENT_REMINDER_MS: decade }, async (call) => {
    for (const p of planned.filter((p) => !p.timersDue)) await drive(call, p);
  });
  // Restarted with reminders due in a minute: a review waiting and a payment unpaid, whose timers fire after the upgrade.
  await withRelease({ REVIEW_DUE: '{"*":{"ms":60000}}', REVIEW_REMIND_BEFORE_MS: '30000', PAYMENT_REMINDER_MS: '60000' }, async (call) => {
    for (const p of planned.filter((p) => p.timersDue)) await drive(call, p, true);
  });
  fs.writeFileSync(path.join(dataDir, 'manifest.json'), JSON.stringify({ release: path.basename(outFile), teams: Object.fromEntries(teams), processes: manifest }, null, 1));
  // The release's build of its console is not data.
  fs.rmSync(path.join(dataDir, 'console'), { recursive: true, force: true });
  execFileSync('tar', ['-czf', path.resolve(outFile), '-C', dataDir, '.']);
  console.log(`${manifest.length} processes (${manifest.filter((p) => !p.done).length} open) in ${outFile} (${fs.statSync(outFile).size} bytes)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
