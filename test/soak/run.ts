/**
 * `npm run soak`: the reliability tests' faults, at length, beside CI (not in it): 100 worker kills and 10
 * engine restarts under traffic, then 10,000 hostile requests, on the dev server (default) or on a real
 * Temporal cluster (`--cluster`, records in its PostgreSQL). The product runs as operators run it: `npm run
 * api` and two `npm run worker` processes. Its figures (lost, duplicated, 5xx, refusals that changed
 * state: all must be 0) go to .artifacts/soak-<engine>.json and docs/RELIABILITY.md ("Soak run").
 *
 *   --cluster      on the cluster (default: the dev server, restarted on its SQLite file)
 *   --kills 100    worker SIGKILLs      --restarts 10   engine restarts   --fuzz 10000   hostile requests
 *   --lanes 4      milestone processes in flight at once                 --no-doc       leave the docs alone
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import fc from 'fast-check';
import pino from 'pino';
import { messageIdFor } from '../../activities/notifier';
import { registry } from '../../machines/registry';
import { clusterDown, clusterUp, postgresFolder, restartTemporal } from '../../scripts/cluster';
import { freePort, startDevServer, type DevServer } from '../../scripts/devServer';
import { openStore } from '../../store/db';
import { connectClient } from '../../worker';
import { workflowBundleOptions } from '../../worker/bundle';
import { readConfig } from '../../worker/config';
import { licence, materials } from '../support/fixtures';
import { contentType, hostileBody, nasty, queryString, routes } from '../support/hostile';
import { startMailbox } from '../support/mailbox';
import { spawnPart, type PartProcess } from '../support/partProcess';
import { storeFootprint } from './footprint';

const root = path.join(__dirname, '../..');
const { values: args } = parseArgs({
  options: {
    cluster: { type: 'boolean', default: false },
    kills: { type: 'string', default: '100' },
    restarts: { type: 'string', default: '10' },
    fuzz: { type: 'string', default: '10000' },
    lanes: { type: 'string', default: '4' },
    'no-doc': { type: 'boolean', default: false },
  },
});
const count = (name: 'kills' | 'restarts' | 'fuzz' | 'lanes') => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number, not "${args[name]}".`);
    process.exit(2);
  }
  return n;
};
const KILLS = count('kills');
const RESTARTS = count('restarts');
const FUZZ = count('fuzz');
const LANES = Math.max(1, count('lanes'));
const engine = args.cluster ? 'cluster' : 'dev-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));
const log = (line: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Each milestone rejected once, then applied again and approved: 12 actions after the start. */
const milestonePath = [1, 2, 3].flatMap((m) => [
  { who: 'partner', action: { type: 'APPLY', milestone: m, materials } },
  { who: 'li', action: { type: 'REJECT', comment: `Milestone ${m}: more evidence` } },
  { who: 'partner', action: { type: 'APPLY', milestone: m, materials } },
  { who: 'wang', action: { type: 'APPROVE' } },
]);

async function main() {
  const began = Date.now();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-soak-'));
  const dataDir = path.join(workDir, 'data');
  const figures = {
    engine,
    workerKills: 0,
    engineRestarts: 0,
    processes: 0,
    actions: 0,
    requests: 0,
    retried503: 0,
    serverErrors: 0,
    lostTransitions: 0,
    processesNotCompleted: 0,
    duplicateTransitions: 0,
    wrongRecordSequences: 0,
    messagesQueued: 0,
    messagesLost: 0,
    messagesDeliveredTwice: 0,
    messagesClaimedWhenKilled: 0,
    fuzzRequests: 0,
    fuzzServerErrors: 0,
    fuzzRefusals: 0,
    refusalsThatChangedState: 0,
    fuzzStatuses: {} as Record<string, number>,
    minutes: 0,
  };

  // The engine, and how to restart it on its own data.
  let devServer: DevServer | undefined;
  let address: string;
  let databaseUrl: string | undefined;
  let restartEngine: () => Promise<void>;
  if (args.cluster) {
    const cluster = await clusterUp({ dataDir: workDir, log });
    address = cluster.address;
    databaseUrl = cluster.databaseUrl;
    restartEngine = async () => void (await restartTemporal({ dataDir: workDir }));
  } else {
    const serverDir = path.join(workDir, 'engine');
    const ports = { port: await freePort(), uiPort: await freePort() };
    devServer = await startDevServer({ dataDir: serverDir, ...ports, log });
    address = devServer.address;
    restartEngine = async () => {
      await devServer!.stop();
      devServer = await startDevServer({ dataDir: serverDir, ...ports });
    };
  }
  const { code } = await bundleWorkflowCode({ ...workflowBundleOptions, logger: new DefaultLogger('WARN') });
  const bundle = path.join(workDir, 'workflow-bundle.js');
  fs.writeFileSync(bundle, code);
  const mailbox = await startMailbox();
  const env: Record<string, string> = {
    TEMPORAL_ADDRESS: address,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    DATA_DIR: dataDir,
    PAYLOAD_KEY: randomBytes(32).toString('base64'),
    WORKFLOW_BUNDLE: bundle,
    SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
    LOG_LEVEL: 'error',
    PORT: '0',
    METRICS_PORT: '0',
  };
  const api = await spawnPart('api', env);
  const workers: PartProcess[] = [await spawnPart('worker', env), await spawnPart('worker', env)];
  const store = await openStore({ dataDir, databaseUrl, log: pino({ level: 'error' }) });
  const temporal = await connectClient(readConfig(env), address);
  const keys = JSON.parse(fs.readFileSync(path.join(dataDir, 'dev-keys.json'), 'utf8')).keys as Array<{ id: string; role: string; key: string }>;
  const keyOf = (id: string, role: string) => keys.find((k) => k.id === id && k.role === role)!.key;
  const people = { partner: keyOf('bob@globex', 'partner'), li: keyOf('li.reviewer', 'reviewer'), wang: keyOf('wang.reviewer', 'reviewer') } as Record<string, string>;

  /** A client that does what the API asks: on 503, the same request again with the same Idempotency-Key. */
  async function send(key: string, method: string, route: string, body: unknown, headers: Record<string, string> = {}) {
    for (;;) {
      let status: number;
      let text: string;
      try {
        const response = await fetch(api.url + route, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
        status = response.status;
        text = await response.text();
      } catch (error) {
        throw new Error(`${method} ${route}: the API did not answer (${(error as Error).message})`);
      }
      figures.requests++;
      if (status < 300) return JSON.parse(text);
      if (status === 503) {
        figures.retried503++;
        await sleep(500);
        continue;
      }
      if (status >= 500) figures.serverErrors++;
      throw new Error(`${method} ${route}: ${status} ${text.slice(0, 300)}`);
    }
  }

  // Business information certified first (R10), before any fault.
  const cert = await send(people.partner, 'POST', '/v1/processes', { kind: 'business-certification', input: {} });
  await send(people.partner, 'POST', `/v1/processes/${encodeURIComponent(cert.id)}/actions`, { type: 'SUBMIT', ...licence }, { 'idempotency-key': 'cert-submit' });
  await send(people.li, 'POST', `/v1/processes/${encodeURIComponent(cert.id)}/actions`, { type: 'APPROVE' }, { 'idempotency-key': 'cert-approve' });

  log(`traffic in ${LANES} lanes; ${KILLS} worker kills and ${RESTARTS} engine restarts (${engine})`);
  let faulting = true;
  const ids: string[] = [];
  let next = 0;
  const lanes = Promise.all(
    Array.from({ length: LANES }, async () => {
      while (faulting) {
        const businessKey = `soak-${next++}`;
        const started = await send(people.partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey }, { 'idempotency-key': businessKey });
        ids.push(started.id);
        for (const [n, step] of milestonePath.entries()) {
          await sleep(between(0, 300));
          await send(people[step.who], 'POST', `/v1/processes/${encodeURIComponent(started.id)}/actions`, step.action, { 'idempotency-key': `${businessKey}-${n}` });
          figures.actions++;
        }
      }
    }),
  );
  const restartEvery = RESTARTS > 0 ? Math.max(1, Math.floor(KILLS / RESTARTS)) : Infinity;
  try {
    for (let kill = 1; kill <= Math.max(KILLS, RESTARTS); kill++) {
      await sleep(between(500, 3000));
      if (kill <= KILLS) {
        const i = between(0, workers.length);
        await workers[i].kill();
        figures.workerKills++;
        await sleep(between(0, 800));
        workers[i] = await spawnPart('worker', env);
      }
      if (kill % restartEvery === 0 && figures.engineRestarts < RESTARTS) {
        await restartEngine();
        figures.engineRestarts++;
      }
      if (kill % 10 === 0) log(`${figures.workerKills} kills, ${figures.engineRestarts} restarts, ${ids.length} processes, ${figures.actions} actions, ${figures.retried503} retried`);
    }
  } finally {
    faulting = false;
  }
  await lanes;

  log(`checking ${ids.length} processes`);
  for (const id of ids) {
    for (let waited = 0; ; waited += 500) {
      const status = (await temporal.workflow.getHandle(id).describe()).status.name;
      if (status === 'COMPLETED') break;
      if (waited > 120_000) {
        figures.processesNotCompleted++;
        break;
      }
      await sleep(500);
    }
    const records = await store.listRecords(id);
    const events = records.map((r) => r.event).join(',');
    const expected = ['START', ...milestonePath.map((s) => s.action.type)].join(',');
    const seqs = records.map((r) => r.seq);
    if (events !== expected || seqs.some((seq, i) => seq !== i)) {
      // Every wrong history counts, also one of the right length (steps out of order, a seq skipped or repeated).
      figures.wrongRecordSequences++;
      if (records.length > milestonePath.length + 1) figures.duplicateTransitions += records.length - milestonePath.length - 1;
      else figures.lostTransitions += milestonePath.length + 1 - records.length;
    }
  }
  figures.processes = ids.length;
  const readOutbox = async () => (await Promise.all([cert.id, ...ids].map((id) => store.listOutbox({ processId: id })))).flat();
  const held = await readOutbox();
  figures.messagesClaimedWhenKilled = held.filter((m) => m.status === 'sending').length;
  // The outbox drains (a killed worker's claims run out, then another sends them), for up to two minutes.
  let outbox = held;
  for (let waited = 0; outbox.some((m) => m.status !== 'sent') && waited < 120_000; waited += 1000) {
    await sleep(1000);
    outbox = await readOutbox();
  }
  const arrived = new Map<string, number>();
  for (const m of mailbox.inbox) arrived.set(m.messageId, (arrived.get(m.messageId) ?? 0) + 1);
  figures.messagesQueued = outbox.length;
  // Lost: never sent, or an email the SMTP server never received.
  figures.messagesLost = outbox.filter((m) => m.status !== 'sent' || (m.channel === 'email' && !arrived.has(messageIdFor(m.key)))).length;
  figures.messagesDeliveredTwice = outbox.filter((m) => (arrived.get(messageIdFor(m.key)) ?? 0) > 1).length;

  // Hostile requests, once the faults are over: never a 5xx, and a refusal changes nothing.
  log(`${FUZZ} hostile requests`);
  const footprint = storeFootprint({ databaseUrl, dataDir });
  const settled = async () => {
    let last = await footprint.read();
    for (let i = 0; i < 50; i++) {
      await sleep(100);
      const now = await footprint.read();
      if (now === last) return now;
      last = now;
    }
    return last;
  };
  const fuzzIds = { milestones: ids[0], certification: cert.id };
  const fuzzKeys = [...keys.map((k) => k.key), 'not-a-key-of-anyone-at-all', null];
  const request = fc.tuple(
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom(routes[0], routes[3]) }, { weight: 4, arbitrary: fc.constantFrom(...routes) }),
    fc.record({ id: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...Object.values(fuzzIds)) }, { weight: 1, arbitrary: nasty }), partner: fc.oneof(fc.constantFrom('acme', 'globex'), nasty), kind: fc.oneof(fc.constantFrom(...Object.keys(registry)), nasty) }),
    fc.constantFrom(...fuzzKeys),
    hostileBody,
    contentType,
    queryString,
  );
  let baseline = await settled();
  for (let batch = 0; figures.fuzzRequests < FUZZ; batch++) {
    for (const [{ method, route }, params, key, body, type, query] of fc.sample(request, { numRuns: Math.min(100, FUZZ - figures.fuzzRequests), seed: 2026_1201 + batch })) {
      const target = route
        .replace(':id', encodeURIComponent(params.id))
        .replace(/:(partner|customer)/, encodeURIComponent(params.partner))
        .replace(':kind', encodeURIComponent(params.kind))
        .replace(/:(token|task)/, encodeURIComponent(params.id));
      const hasBody = method !== 'GET' && body !== undefined;
      const response = await fetch(api.url + target + query, {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(hasBody && type ? { 'content-type': type } : {}) },
        body: hasBody ? body : undefined,
      });
      const answer = await response.text();
      figures.fuzzRequests++;
      figures.fuzzStatuses[response.status] = (figures.fuzzStatuses[response.status] ?? 0) + 1;
      if (response.status >= 500) {
        figures.fuzzServerErrors++;
        log(`5xx: ${method} ${JSON.stringify((target + query).slice(0, 200))} ${JSON.stringify(String(body).slice(0, 200))} → ${response.status} ${answer.slice(0, 300)}`);
      }
      if (response.status >= 400) {
        figures.fuzzRefusals++;
        if ((await footprint.read()) !== baseline) {
          figures.refusalsThatChangedState++;
          baseline = await settled();
        }
      } else if (method !== 'GET') baseline = await settled();
    }
    if (batch % 10 === 9) log(`${figures.fuzzRequests} hostile requests, ${figures.fuzzServerErrors} 5xx, ${figures.refusalsThatChangedState} refusals that changed state`);
  }
  await footprint.close();
  figures.minutes = Math.round((Date.now() - began) / 60_000);

  await api.stop();
  await Promise.all(workers.map((w) => w.stop()));
  await temporal.connection.close();
  await store.close();
  await mailbox.close();
  if (args.cluster) await clusterDown({ dataDir: workDir });
  else await devServer?.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
  if (args.cluster) fs.rmSync(postgresFolder(workDir), { recursive: true, force: true });

  const recorded = { name: `soak-${engine}`, recordedAt: new Date().toISOString(), machine: { cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) }, ...figures };
  fs.mkdirSync(path.join(root, '.artifacts'), { recursive: true });
  fs.writeFileSync(path.join(root, '.artifacts', `soak-${engine}.json`), `${JSON.stringify(recorded, null, 2)}\n`);
  const failed = figures.lostTransitions + figures.processesNotCompleted + figures.duplicateTransitions + figures.wrongRecordSequences + figures.messagesLost + figures.messagesDeliveredTwice + figures.serverErrors + figures.fuzzServerErrors + figures.refusalsThatChangedState;
  if (!args['no-doc']) writeSoakSection(recorded);
  log(JSON.stringify(figures));
  log(failed === 0 ? 'soak passed: nothing lost, nothing duplicated, no 5xx, no refusal changed state' : `soak FAILED: ${failed} faults (see the figures above)`);
  process.exit(failed === 0 ? 0 : 1);
}

/** Rewrites this engine's table in docs/RELIABILITY.md ("Soak run"), keeping the other engine's. */
function writeSoakSection(recorded: Record<string, unknown>) {
  const doc = path.join(root, 'docs/RELIABILITY.md');
  const open = `<!-- soak:${engine} -->`;
  const close = `<!-- /soak:${engine} -->`;
  const text = fs.readFileSync(doc, 'utf8');
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${doc} has no ${open} … ${close} section.`);
  const rows = Object.entries(recorded)
    .filter(([key]) => key !== 'name')
    .map(([key, value]) => `| ${key} | ${typeof value === 'object' ? JSON.stringify(value) : String(value)} |`);
  fs.writeFileSync(doc, `${text.slice(0, start + open.length)}\n| figure | value |\n|---|---|\n${rows.join('\n')}\n${text.slice(end)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
