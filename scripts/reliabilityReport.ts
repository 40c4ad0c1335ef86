/**
 * Refreshes the figures in docs/RELIABILITY.md from what the last test run measured: every
 * `.artifacts/reliability-<name>.json` a test wrote (test/support/figures.ts). Run after `npm test`:
 * `npm run reliability-report`. Only the part between the figures markers is rewritten.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..');
const artifacts = path.join(root, '.artifacts');
const doc = path.join(root, 'docs/RELIABILITY.md');
const START = '<!-- figures:start (npm run reliability-report) -->';
const END = '<!-- figures:end -->';

/** Titles for the figures files known here; any other file is shown under its own name. */
const titles: Record<string, string> = {
  'worker-crash': 'The product (API, worker, outbox dispatcher) SIGKILLed under traffic (test/workerCrash.e2e.test.ts)',
  'server-restart': 'Temporal server restarted on its SQLite file (test/serverRestart.e2e.test.ts)',
  races: 'Two reviewers deciding at once (test/races.e2e.test.ts)',
  idempotency: 'Concurrent retries with one Idempotency-Key (test/races.e2e.test.ts)',
  abuse: 'Hostile HTTP requests and random action sequences (test/abuse.e2e.test.ts)',
  authz: 'Authorization matrix, every role × event × state over HTTP, R72 (test/authz.e2e.test.ts)',
  postgres: 'Records store on PostgreSQL (test/store.test.ts)',
  pii: 'Payloads sealed in the engine (test/codec.e2e.test.ts)',
  'cluster-worker-kill': 'On the cluster: one of two workers SIGKILLed under load (test/cluster/cluster.test.ts, npm run test:cluster)',
  'cluster-rolling-restart': 'On the cluster: both workers restarted one at a time under traffic (test/cluster/cluster.test.ts, npm run test:cluster)',
};

type Figures = Record<string, unknown> & { name: string; recordedAt: string };

function read(): Figures[] {
  if (!fs.existsSync(artifacts)) return [];
  return fs
    .readdirSync(artifacts)
    .filter((file) => /^reliability-.+\.json$/.test(file))
    .sort()
    .map((file) => JSON.parse(fs.readFileSync(path.join(artifacts, file), 'utf8')) as Figures);
}

const sum = (all: Figures[], key: string) => all.reduce((n, f) => n + (typeof f[key] === 'number' ? (f[key] as number) : 0), 0);
const show = (value: unknown) => (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

export function render(all: Figures[]): string {
  if (all.length === 0) return 'No figures yet: run `npm test`, then `npm run reliability-report`.';
  const duplicates = sum(all, 'duplicateTransitions') + sum(all, 'duplicateMessages') + sum(all, 'messagesDeliveredTwice') + sum(all, 'duplicatesApplied') + sum(all, 'doubleWins');
  const lost = sum(all, 'lostTransitions') + sum(all, 'messagesLost') + sum(all, 'wrongRecordSequences');
  const summary = [
    `kills survived: ${sum(all, 'kills')}`,
    `server restarts: ${sum(all, 'restarts')}`,
    `fuzz cases: ${sum(all.filter((f) => f.name === 'abuse'), 'cases')}`,
    `authz combinations: ${sum(all.filter((f) => f.name === 'authz'), 'combinations')}`,
    `5xx answers: ${sum(all, 'serverErrors')}`,
    `race rounds: ${sum(all.filter((f) => f.name === 'races'), 'rounds')}`,
    `duplicates found: ${duplicates}`,
    `lost or out of order: ${lost}`,
  ];
  const newest = all.map((f) => f.recordedAt).sort().at(-1);
  const sections = all.map((f) => {
    const rows = Object.entries(f)
      .filter(([key]) => key !== 'name' && key !== 'recordedAt')
      .map(([key, value]) => `| ${key} | ${show(value)} |`);
    return [`### ${titles[f.name] ?? f.name}`, '', `Recorded ${f.recordedAt}.`, '', '| figure | value |', '|---|---|', ...rows].join('\n');
  });
  return [`Last run: ${newest}. ${summary.join(' · ')}.`, '', ...sections.flatMap((s) => [s, ''])].join('\n').trimEnd();
}

function main() {
  const text = fs.readFileSync(doc, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${doc} has no figures markers (${START} … ${END}).`);
  const next = `${text.slice(0, from + START.length)}\n${render(read())}\n${text.slice(to)}`;
  fs.writeFileSync(doc, next);
  console.log(`Figures in ${path.relative(root, doc)} refreshed from ${read().length} file(s) in .artifacts/.`);
}

main();
