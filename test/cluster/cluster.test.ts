import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billScheduleIdFor } from '../../billing/schedule';
import { eventually } from '../support/flows';
import { writeFigures } from '../support/figures';
import { materials } from '../support/fixtures';
import { scrape } from '../support/prometheus';
import { expectKeysWalkthrough } from '../support/walkthroughs';
import { startFleet, type Fleet } from './fleet';
import { certifiedGlobex, expectDeliveredOnce, expectEachOnce, randomBetween, runMilestones, sleep } from './milestones';

/**
 * The product at scale on a real Temporal cluster (the official server on PostgreSQL, with SQL advanced
 * visibility): two `npm run worker` processes and two `npm run api` processes on one task queue and one
 * PostgreSQL records store, as ops would run them behind a load balancer.
 */
const root = path.join(__dirname, '../..');
let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet({ workers: 2, apis: 2 });
});
afterAll(() => fleet?.stop());

/** Requests each API answered so far, from its own /metrics. */
const answered = async (api: number) =>
  [...(await scrape(fleet.apis[api].metricsUrl)).entries()].filter(([k]) => k.startsWith('partnerflow_http_requests_total{')).reduce((n, [, v]) => n + v, 0);

/** A README walkthrough as a user pastes it, each curl sent to the next API in turn. */
async function walkthrough(title: string): Promise<any[]> {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = readme.split(`## Walkthrough: ${title}`)[1].split('```sh')[1].split('```')[0];
  const turn = path.join(fleet.dataDir, `turn-${title.length}`);
  fs.writeFileSync(turn, '0');
  const [a, b] = fleet.apis.map((api) => new URL(api.url!).host);
  const next = `next_api() { n=$(cat ${turn}); echo $((n + 1)) > ${turn}; if [ $((n % 2)) = 0 ]; then echo ${a}; else echo ${b}; fi; }\n`;
  const script = next + block.replaceAll('127.0.0.1:3000', '$(next_api)').replaceAll('./data/dev-keys.json', path.join(fleet.dataDir, 'dev-keys.json'));
  const { stdout } = await promisify(execFile)('bash', ['-c', script], { cwd: root, timeout: 120_000 });
  return stdout.trim().split('\n').map((line) => JSON.parse(line));
}

describe('two APIs, two workers, one cluster', () => {
  it('R1 R2 R10 R11 R12 R13 R20 R21 R22 R23 R30 R31 R32 R71 R72 the README walkthroughs pass with their requests spread over both APIs, keys the same on both', async () => {
    const before = await Promise.all([answered(0), answered(1)]);
    const replies = await walkthrough('onboarding and all three milestones');
    expect(replies.filter((r) => r.error).map((r) => r.error.code)).toEqual(['prerequisites_unmet', 'business_certification_required', 'milestone_out_of_order']);
    expect(replies.at(-1)).toMatchObject({ id: 'nre-milestones:acme:smart-factory', state: 'accepted', done: true });

    const day = await walkthrough("a reviewer's day");
    // Li's claim went to one API, Wang's decision to the other: the claim holds across instances.
    expect(day.filter((r) => r.error).map((r) => r.error.code)).toEqual(['claimed_by_other']);
    const last = (id: string) => day.filter((r) => r.id === id).at(-1);
    expect(last('delivery-evaluation:acme:smart-port')).toMatchObject({ state: 'passed', done: true });
    expect(last('initiation-review:acme:smart-retail')).toMatchObject({ state: 'complete', done: true });

    // A key made through one API, used and revoked through the other; a delegation and a bulk decision likewise.
    expectKeysWalkthrough(await walkthrough('keys, a reviewer away, bulk decisions and review times'));

    const after = await Promise.all([answered(0), answered(1)]);
    expect(after[0] - before[0]).toBeGreaterThan(15);
    expect(after[1] - before[1]).toBeGreaterThan(15);
    const me = await Promise.all([0, 1].map((api) => fleet.call(api, fleet.keyOf('chen', 'reviewer'), 'GET', '/v1/me')));
    expect(me[0]).toEqual(me[1]);
    expect(me[0].body).toMatchObject({ id: 'chen', role: 'reviewer' });
  });

  it('R71 an event stream opened on one API sees the actions sent through the other, to the end', async () => {
    const bob = await certifiedGlobex(fleet);
    const li = fleet.keyOf('li.reviewer', 'reviewer');
    const started = await fleet.call(1, bob, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: 'sse-across' });
    const id = encodeURIComponent(started.body.id);
    const stream = await fetch(`${fleet.apis[0].url}/v1/processes/${id}/events`, { headers: { authorization: `Bearer ${bob}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: string[] = [];
    const reading = (async () => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
        for (const match of text.matchAll(/event: record\ndata: (.*)\n/g)) events.push(JSON.parse(match[1]).event);
        text = text.slice(text.lastIndexOf('\n\n') + 2);
      }
    })();
    for (const m of [1, 2, 3]) {
      expect((await fleet.call(1, bob, 'POST', `/v1/processes/${id}/actions`, { type: 'APPLY', milestone: m, materials })).status).toBe(200);
      expect((await fleet.call(1, li, 'POST', `/v1/processes/${id}/actions`, { type: 'APPROVE' })).status).toBe(200);
    }
    await reading; // the stream ends by itself once the process has ended and every step was sent
    expect(events).toEqual(['START', 'APPLY', 'APPROVE', 'APPLY', 'APPROVE', 'APPLY', 'APPROVE']);
  });

  it('R71 R74 one worker SIGKILLed under load loses nothing: every process completes on the other, each step recorded once, every message sent, no email lost, none twice but in the window', async () => {
    await certifiedGlobex(fleet);
    let retried = 0;
    const until = async (api: number, key: string, method: string, route: string, body: unknown, headers: Record<string, string>, what: string) => {
      for (let attempt = 0; ; attempt++) {
        const reply = await fleet.call(api + attempt, key, method, route, body, headers);
        if (reply.status < 300) return reply;
        if (reply.status !== 503) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
        retried++;
      }
    };
    const began = Date.now();
    const flows = Promise.all(Array.from({ length: 6 }, (_, i) => runMilestones(fleet, `kill-${i}`, until)));
    await sleep(randomBetween(1500, 4000));
    await fleet.workers[0].kill();
    const ids = await flows;
    for (const id of ids) await eventually(async () => (await fleet.temporal.workflow.getHandle(id).describe()).status.name, (s) => s === 'COMPLETED', 90_000);
    await expectEachOnce(fleet, ids);
    // Every message sent, and each email at the SMTP server exactly once: none lost with the killed worker.
    const outbox = await expectDeliveredOnce(fleet, ids);
    await fleet.replaceWorker(0);
    writeFigures('cluster-worker-kill', {
      workers: 2,
      apis: 2,
      processes: ids.length,
      actions: ids.length * 12,
      retriedRequests: retried,
      messagesQueued: outbox.sent.length,
      messagesClaimedWhenKilled: outbox.first.filter((m) => m.status === 'sending').length,
      messagesLost: 0,
      messagesDeliveredTwice: 0,
      lostTransitions: 0,
      duplicateTransitions: 0,
      seconds: Math.round((Date.now() - began) / 1000),
    });
  });

  it('a rolling restart of both workers, one at a time (SIGTERM, then a new one), fails no request', async () => {
    await certifiedGlobex(fleet);
    const statuses: number[] = [];
    const failures: string[] = [];
    const once = async (api: number, key: string, method: string, route: string, body: unknown, headers: Record<string, string>, what: string) => {
      const reply = await fleet.call(api, key, method, route, body, headers);
      statuses.push(reply.status);
      if (reply.status >= 300) failures.push(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply;
    };
    let rolling = true;
    let started = 0;
    const ids: string[] = [];
    // Traffic for as long as the restart takes: three lanes, each a new milestone process after the last.
    const lanes = Promise.all(
      [0, 1, 2].map(async (lane) => {
        while (rolling) ids.push(await runMilestones(fleet, `roll-${lane}-${started++}`, once, [50, 250]));
      }),
    );
    const exitCodes: Array<number | null> = [];
    for (const i of [0, 1]) {
      await sleep(2000);
      exitCodes.push(await fleet.workers[i].stop());
      await fleet.replaceWorker(i);
    }
    await sleep(2000);
    rolling = false;
    await lanes;
    expect(exitCodes).toEqual([0, 0]);
    expect(failures).toEqual([]);
    await expectEachOnce(fleet, ids);
    writeFigures('cluster-rolling-restart', { workersRestarted: 2, requests: statuses.length, failedRequests: failures.length, processes: ids.length });
  });

  it('R60 the bills schedule exists once for both workers, fires once, and a rerun of the month starts no bill twice', async () => {
    const scheduleId = billScheduleIdFor('partnerflow');
    const schedules: string[] = [];
    for await (const schedule of fleet.temporal.schedule.list()) schedules.push(schedule.scheduleId);
    expect(schedules.filter((id) => id === scheduleId)).toEqual([scheduleId]);

    await fleet.temporal.schedule.getHandle(scheduleId).trigger();
    const runs = async () => {
      const found: Array<{ id: string; status: string }> = [];
      for await (const run of fleet.temporal.workflow.list({ query: "WorkflowType = 'generatePartnerBills'" })) found.push({ id: run.workflowId, status: run.status.name });
      return found;
    };
    const fired = await eventually(runs, (found) => found.length >= 1 && found.every((run) => run.status === 'COMPLETED'), 90_000);
    expect(fired).toHaveLength(1);
    const bills = async () => (await fleet.store.listProcesses({ kind: 'partner-bill', limit: 100 })).items;
    const first = await bills();
    const partners = fs.readdirSync(path.join(root, 'fixtures/billing/partners')).map((file) => file.replace(/\.json$/, ''));
    expect(first.map((bill) => bill.partnerId).sort()).toEqual(partners.sort());

    // A rerun by hand, as ops would after an outage, with the same month: every bill is found, none started again.
    const month = first[0].id.split(':').at(-1)!;
    const [year, mm] = month.split('-').map(Number);
    const asOf = `${mm === 12 ? year + 1 : year}-${String((mm % 12) + 1).padStart(2, '0')}-05T02:00:00+08:00`;
    await fleet.temporal.workflow.execute('generatePartnerBills', { taskQueue: 'partnerflow', workflowId: `bills-rerun-${month}`, args: [{ asOf }] });
    const second = await bills();
    expect(second.map((bill) => bill.id).sort()).toEqual(first.map((bill) => bill.id).sort());
    for (const bill of second) expect((await fleet.store.listRecords(bill.id)).filter((r) => r.event === 'START'), bill.id).toHaveLength(1);
  });

  it('the list queries of docs/OPERATIONS.md run on the cluster’s SQL visibility store (PostgreSQL) and find the processes', async () => {
    const operations = fs.readFileSync(path.join(root, 'docs/OPERATIONS.md'), 'utf8');
    const table = operations.split('## List queries')[1].split('\n## ')[0];
    const queries = [...table.matchAll(/^\| [^|]+ \| `([^`]+)`/gm)].map((m) => m[1]);
    expect(queries.length).toBeGreaterThan(6);
    const counts: Record<string, number> = {};
    for (const query of queries) {
      let n = 0;
      for await (const _ of fleet.temporal.workflow.list({ query })) n++;
      counts[query] = n;
    }
    expect(counts["PartnerId = 'acme'"]).toBeGreaterThanOrEqual(5);
    // A process waiting for a reviewer now, found by the queries ops use.
    const bob = await certifiedGlobex(fleet);
    const waiting = await fleet.call(0, bob, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: 'visibility' });
    await fleet.call(1, bob, 'POST', `/v1/processes/${encodeURIComponent(waiting.body.id)}/actions`, { type: 'APPLY', milestone: 1, materials });
    const found = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const run of fleet.temporal.workflow.list({ query: "ProcessKind = 'nre-milestones' AND WaitingFor = 'reviewer' AND ReviewDueAt IS NOT NULL AND ExecutionStatus = 'Running'" })) ids.push(run.workflowId);
        return ids;
      },
      (ids) => ids.includes(waiting.body.id),
      30_000,
    );
    expect(found).toContain(waiting.body.id);
  });

  it('/metrics answers on every API and worker process of the fleet', async () => {
    for (const api of fleet.apis) expect([...(await scrape(api.metricsUrl)).keys()].some((k) => k.startsWith('partnerflow_http_requests_total'))).toBe(true);
    for (const worker of fleet.workers) {
      const series = await scrape(worker.metricsUrl);
      expect([...series.keys()].some((k) => k.startsWith('temporal_workflow_task_execution_latency_seconds'))).toBe(true);
      expect([...series.keys()].some((k) => k.startsWith('partnerflow_outbox_backlog'))).toBe(true);
    }
  });
});
