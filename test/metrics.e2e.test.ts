import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { billScheduleIdFor } from '../billing/schedule';
import { licence } from './support/fixtures';
import { eventually } from './support/flows';
import { startMailbox } from './support/mailbox';
import { spawnPart, type PartProcess } from './support/partProcess';
import { dashboardMetricNames, samplesOf, scrape } from './support/prometheus';

/**
 * `/metrics` of `npm run api` and `npm run worker`, run apart as operators run them, against the run's
 * dev server and a shared SQLite records file: every metric name the Grafana dashboard in docs/ queries
 * must be there, and must move while the product works. The mail server refuses every message at first,
 * so sending is retried (an outbox backlog), then takes them; reviews are due after 1.5 s; and a partner's
 * file in the billing source is broken, so the bills run's activity fails and is retried (activity failures).
 */
const root = path.join(__dirname, '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-metrics-'));
const dashboard = JSON.parse(fs.readFileSync(path.join(root, 'docs/grafana-dashboard.json'), 'utf8'));
let api: PartProcess;
let worker: PartProcess;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let mailAccepted = false;

/** People of this file's own: the run's dev server is shared, and a once-per-partner process is named after its partner. */
const suffix = path.basename(dataDir).replace(/^partnerflow-metrics-/, '').toLowerCase();
const people = {
  partner: { key: `metrics-partner-${suffix}-key`, id: `alice@metrics-${suffix}`, role: 'partner', partnerId: `metrics-${suffix}` },
  // A second partner: business certification is once per partner, and the bulk decision needs another review.
  other: { key: `metrics-other-${suffix}-key`, id: `bob@metrics2-${suffix}`, role: 'partner', partnerId: `metrics2-${suffix}` },
  reviewer: { key: `metrics-reviewer-${suffix}-key`, id: `li@metrics-${suffix}`, role: 'reviewer' },
};

beforeAll(async () => {
  mailbox = await startMailbox({ refuseRecipient: () => !mailAccepted });
  fs.writeFileSync(path.join(dataDir, 'keys.json'), JSON.stringify({ keys: Object.values(people) }));
  // A billing source whose one partner file is not JSON: what ops would see as failing activities.
  fs.mkdirSync(path.join(dataDir, 'billing', 'partners'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'billing', 'partners', `metrics-${suffix}.json`), '{ "partnerId": ');
  const env = {
    PC_KEYS_FILE: path.join(dataDir, 'keys.json'),
    BILLING_SOURCE_DIR: path.join(dataDir, 'billing'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    PAYLOAD_KEY: inject('payloadKey'),
    WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    DATA_DIR: dataDir,
    TASK_QUEUE: `metrics-${path.basename(dataDir)}`,
    SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
    REVIEW_DUE: '{"*":{"ms":1500}}',
    LOG_LEVEL: 'error',
  };
  [worker, api] = await Promise.all([spawnPart('worker', { ...env, METRICS_PORT: '0' }), spawnPart('api', { ...env, PORT: '0' })]);
});
afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await mailbox?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function call(key: string, method: string, route: string, body?: unknown) {
  const response = await fetch(api.url + route, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** The sum of a metric's series whose labels include every one of `labels` (`name="value"`). */
const sumOf = (series: Map<string, number>, name: string, ...labels: string[]) =>
  [...series.entries()].filter(([key]) => key.startsWith(`${name}{`) && labels.every((l) => key.includes(l))).reduce((sum, [, value]) => sum + value, 0);

describe('metrics for ops', () => {
  it('every metric name of docs/grafana-dashboard.json is on the /metrics of npm run api or npm run worker, and moves when the product works', async () => {
    const names = dashboardMetricNames(dashboard);
    expect(names.length).toBeGreaterThan(15);
    const both = async () => ({ api: await scrape(`${api.metricsUrl}`), worker: await scrape(worker.metricsUrl) });
    const scrapes = [await both()];

    const acme = people.partner.key;
    const li = people.reviewer.key;
    const started = await call(acme, 'POST', '/v1/processes', { kind: 'business-certification', input: {} });
    expect(started.status).toBe(201);
    const id = encodeURIComponent(started.body.id);
    expect((await call(acme, 'POST', `/v1/processes/${id}/actions`, { type: 'SUBMIT', ...licence })).status).toBe(200);
    expect((await call(acme, 'POST', `/v1/processes/${id}/actions`, { type: 'APPROVE' })).status).toBe(403);
    expect((await call(acme, 'GET', '/v1/no-such-thing')).status).toBe(404);

    // The bills run, started by hand as ops would, trips over the broken file again and again.
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    await new Client({ connection }).schedule.getHandle(billScheduleIdFor(`metrics-${path.basename(dataDir)}`)).trigger();
    await connection.close();

    // The review waits past its due time, mail keeps failing, and so does the bills run.
    const failing = (s: Map<string, number>) => [...s.entries()].some(([k, v]) => k.startsWith('partnerflow_activity_failures_total') && v > 0);
    const backlog = (s: Map<string, number>) => [...s.entries()].some(([k, v]) => k.startsWith('partnerflow_outbox_backlog') && v > 0);
    await eventually(both, (s) => (s.api.get('partnerflow_reviews_overdue{kind="business-certification"}') ?? 0) >= 1 && failing(s.worker) && backlog(s.api), 60_000);
    scrapes.push(await both());

    expect((await call(li, 'POST', `/v1/processes/${id}/actions`, { type: 'APPROVE', comment: 'Verified' })).status).toBe(200);

    // A bulk decision times its accepted items and counts its refused ones, though the request itself is a 200.
    const other = await call(people.other.key, 'POST', '/v1/processes', { kind: 'business-certification', input: {} });
    expect(other.status).toBe(201);
    expect((await call(people.other.key, 'POST', `/v1/processes/${encodeURIComponent(other.body.id)}/actions`, { type: 'SUBMIT', ...licence })).status).toBe(200);
    await eventually(() => call(li, 'GET', '/v1/tasks?kind=business-certification'), (r) => JSON.stringify(r.body).includes(other.body.id));
    const beforeBulk = await scrape(api.metricsUrl);
    const bulk = await call(li, 'POST', '/v1/tasks/decisions', { comment: 'Routine', items: [{ processId: other.body.id, type: 'APPROVE' }, { processId: started.body.id, type: 'APPROVE' }] });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false]);
    const refused = bulk.body.results[1].error;
    const afterBulk = await scrape(api.metricsUrl);
    const decided = (s: Map<string, number>) => sumOf(s, 'partnerflow_decision_seconds_count', 'kind="business-certification"', 'event="APPROVE"');
    const bulkRefusals = (s: Map<string, number>) => sumOf(s, 'partnerflow_http_refusals_total', 'route="/v1/tasks/decisions"', `status="${refused.status}"`, `code="${refused.code}"`);
    expect(decided(afterBulk) - decided(beforeBulk), 'time to decision of the accepted item').toBe(1);
    expect(bulkRefusals(afterBulk) - bulkRefusals(beforeBulk), 'the refused item, by its code').toBe(1);
    mailAccepted = true;
    // Every message goes out once the mail server takes them, and the process's run ends.
    await eventually(() => scrape(worker.metricsUrl), (s) => [...s.entries()].some(([k, v]) => k.startsWith('temporal_workflow_completed_total') && v > 0), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 5_500)); // the store gauges are read at most every 5 s
    scrapes.push(await both());
    expect(mailbox.inbox.length).toBeGreaterThan(0);

    const missing = names.filter((name) => !scrapes.some((s) => samplesOf(s.api, name) || samplesOf(s.worker, name)));
    expect(missing, 'named in the dashboard but on neither /metrics').toEqual([]);
    const still = names.filter((name) => !scrapes.slice(1).some((s) => samplesOf(s.api, name) !== samplesOf(scrapes[0].api, name) || samplesOf(s.worker, name) !== samplesOf(scrapes[0].worker, name)));
    expect(still, 'named in the dashboard but did not move while the product worked').toEqual([]);
  }, 180_000);
});
