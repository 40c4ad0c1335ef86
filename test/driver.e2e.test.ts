import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../api/keys';
import { buildServer } from '../api/server';
import { ProcessClient } from '../engineClient';
import { createSealer, payloadKeys } from '../worker';
import { certifyBusiness, eventually, footprint } from './support/flows';
import { startProduct, type Product } from './support/product';
import { materials } from './support/fixtures';

let product: Product;
beforeAll(async () => {
  // A short review reminder and a low history limit, so timers and continue-as-new happen within a test.
  product = await startProduct({ env: { REVIEW_DUE: '{"*":{"ms":60000}}', REVIEW_REMIND_BEFORE_MS: '56000' }, historyLimit: 60 });
  await certifyBusiness(product, 'acme');
  await certifyBusiness(product, 'chenPartner', 'wang');
});
afterAll(() => product?.stop());

const startMilestones = async (key: string, who: 'acme' | 'chenPartner' = 'acme') => {
  const started = await product.start(who, 'nre-milestones', {}, { businessKey: key });
  expect(started.status).toBe(201);
  return started.body.id as string;
};

describe('the generic driver on the real Temporal server', () => {
  it('R71 R70 records every transition with actor, role, event, from, to, comment and UTC time shown in GMT+08:00', async () => {
    const id = await startMilestones('records');
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    await product.act('li', id, { type: 'REJECT', comment: 'Missing acceptance report' });
    const { body } = await product.view('acme', id);
    expect(body.records.map((r: any) => [r.seq, r.event, r.from, r.to, r.role])).toEqual([
      [0, 'START', null, 'open', 'partner'],
      [1, 'APPLY', 'open', 'underReview', 'partner'],
      [2, 'REJECT', 'underReview', 'rejected', 'reviewer'],
    ]);
    const reject = body.records[2];
    expect(reject).toMatchObject({ actor: 'li.reviewer', comment: 'Missing acceptance report' });
    expect(reject.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(reject.atLocal).toMatch(/\+08:00$/);
    expect(Date.parse(reject.atLocal.replace('+08:00', 'Z')) - Date.parse(reject.at)).toBe(8 * 3600 * 1000);
  });

  it('R72 nobody decides a review of their own submission, even holding a reviewer key (four-eyes)', async () => {
    const id = await startMilestones('four-eyes', 'chenPartner');
    await product.act('chenPartner', id, { type: 'APPLY', milestone: 1, materials });
    const before = await footprint(product, id);
    const own = await product.act('chenReviewer', id, { type: 'APPROVE' });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('four_eyes');
    expect(await footprint(product, id)).toEqual(before);
    expect((await product.act('li', id, { type: 'APPROVE' })).status).toBe(200);
  });

  it('R72 only a reviewer approves, and another partner’s process is not found', async () => {
    const id = await startMilestones('roles');
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    const byPartner = await product.act('acme', id, { type: 'APPROVE' });
    expect(byPartner.status).toBe(403);
    expect(byPartner.body.error.code).toBe('role_not_allowed');
    expect((await product.view('globex', id)).status).toBe(404);
    expect((await product.act('globex', id, { type: 'WITHDRAW' })).status).toBe(404);
    const list = await product.call('globex', 'GET', '/v1/processes?kind=nre-milestones');
    expect(list.body.items.map((p: any) => p.id)).not.toContain(id);
  });

  it('R73 a refused action leaves no state, record or notification behind', async () => {
    const id = await startMilestones('refusals');
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    const before = await footprint(product, id);
    const refusals = [
      await product.act('li', id, { type: 'REJECT' }), // 422: comment missing
      await product.act('acme', id, { type: 'REJECT', comment: 'no' }), // 403
      await product.act('acme', id, { type: 'APPLY', milestone: 1, materials }), // 409
    ];
    expect(refusals.map((r) => r.status)).toEqual([422, 403, 409]);
    for (const r of refusals) expect(r.body.error.reason.length).toBeGreaterThan(10);
    expect(refusals[0].body.error.reason).toContain('comment');
    expect(await footprint(product, id)).toEqual(before);
  });

  it('R72 two reviewers deciding at the same moment: exactly one wins, the other is refused', async () => {
    const id = await startMilestones('race');
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    const [a, b] = await Promise.all([
      product.act('li', id, { type: 'APPROVE' }),
      product.act('wang', id, { type: 'REJECT', comment: 'Not yet' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const records = (await product.view('acme', id)).body.records;
    expect(records.filter((r: any) => r.event === 'APPROVE' || r.event === 'REJECT')).toHaveLength(1);
  });

  it('applies a retried action with the same Idempotency-Key once', async () => {
    const id = await startMilestones('idempotent-action');
    const headers = { 'idempotency-key': 'apply-1-attempt' };
    const first = await product.act('acme', id, { type: 'APPLY', milestone: 1, materials }, headers);
    const retry = await product.act('acme', id, { type: 'APPLY', milestone: 1, materials }, headers);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body.version).toBe(first.body.version);
    expect((await product.view('acme', id)).body.records.filter((r: any) => r.event === 'APPLY')).toHaveLength(1);
  });

  it('refuses with 412 when If-Match names a version the process has moved past', async () => {
    const id = await startMilestones('if-match');
    const { body } = await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    const stale = await product.act('li', id, { type: 'APPROVE' }, { 'if-match': `"${body.version - 1}"` });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('version_mismatch');
    expect((await product.act('li', id, { type: 'APPROVE' }, { 'if-match': `"${body.version}"` })).status).toBe(200);
  });

  it('starting with the same business key, or for a once-per-partner kind, returns the existing process', async () => {
    const first = await product.start('acme', 'nre-milestones', {}, { businessKey: 'same-key' });
    const again = await product.start('acme', 'nre-milestones', {}, { businessKey: 'same-key' });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.id).toBe(first.body.id);
    const byHeader = await product.call('acme', 'POST', '/v1/processes', { kind: 'nre-milestones', input: {} }, { 'idempotency-key': 'k-42' });
    const byHeaderAgain = await product.call('acme', 'POST', '/v1/processes', { kind: 'nre-milestones', input: {} }, { 'idempotency-key': 'k-42' });
    expect(byHeaderAgain.body.id).toBe(byHeader.body.id);
    // Business certification of acme has ended (passed): starting it again returns it as it is.
    const ended = await product.start('acme', 'business-certification');
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ state: 'certified', done: true });
  });

  it('reminds reviewers through a durable timer when a review waits, and a decision cancels the reminder', async () => {
    const waiting = await startMilestones('reminder');
    await product.act('acme', waiting, { type: 'APPLY', milestone: 1, materials });
    const decided = await startMilestones('no-reminder');
    await product.act('acme', decided, { type: 'APPLY', milestone: 1, materials });
    await product.act('li', decided, { type: 'APPROVE' });

    const reminded = await eventually(
      () => product.view('li', waiting),
      (r) => r.body.records.some((x: any) => x.event === 'reviewReminder'),
    );
    expect(reminded.body.records.at(-1)).toMatchObject({ event: 'reviewReminder', role: 'system', from: 'underReview', to: 'underReview' });
    const outbox = await product.store.listOutbox({ processId: waiting });
    expect(outbox.filter((m) => m.subject.startsWith('Reminder'))).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await product.view('li', decided)).body.records.map((r: any) => r.event)).not.toContain('reviewReminder');
  });

  it('continues-as-new on a long history, carrying state, sequence and Update ids', async () => {
    const id = await startMilestones('long-history');
    const firstRun = (await product.client.temporal.workflow.getHandle(id).describe()).runId;
    for (let i = 0; i < 8; i++) {
      expect((await product.act('acme', id, { type: 'APPLY', milestone: 1, materials }, { 'idempotency-key': `apply-${i}` })).status).toBe(200);
      expect((await product.act('li', id, { type: 'REJECT', comment: `round ${i}` })).status).toBe(200);
    }
    const after = await product.client.temporal.workflow.getHandle(id).describe();
    expect(after.runId).not.toBe(firstRun);
    // Now APPLY would be taken: a retry of an Update applied in the first run must still apply nothing,
    // whether it comes over HTTP (answered from the records) or straight to the engine (the carried Update ids).
    const overHttp = await product.act('acme', id, { type: 'APPLY', milestone: 1, materials }, { 'idempotency-key': 'apply-0' });
    expect(overHttp.status).toBe(200);
    const toEngine = await product.client.act(id, { action: { type: 'APPLY', milestone: 1, materials }, actor: product.people.acme, idempotencyKey: 'apply-0' });
    expect(toEngine.version).toBe(1);
    const { body } = await product.view('acme', id);
    expect(body.state).toBe('rejected');
    expect(body.records.map((r: any) => r.seq)).toEqual([...Array(body.records.length).keys()]);
    expect(body.records.filter((r: any) => r.event === 'APPLY')).toHaveLength(8);
    expect((await product.client.liveState(id)).version).toBe(body.version);
    // The continued run still shows ops its kind, partner and state.
    const query = `WorkflowId = '${id}' AND ExecutionStatus = 'Running' AND ProcessKind = 'nre-milestones' AND ProcessState = 'rejected' AND PartnerId = '${product.people.acme.partnerId}'`;
    await eventually(
      async () => {
        const runs: string[] = [];
        for await (const wf of product.client.temporal.workflow.list({ query })) runs.push(wf.runId);
        return runs;
      },
      (runs) => runs.length === 1 && runs[0] !== firstRun,
    );
  });

  it('refuses an Idempotency-Key reused for a different action, and answers a retry of the action that ended the process', async () => {
    const id = await startMilestones('key-reuse');
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials }, { 'idempotency-key': 'k1' });
    const reused = await product.act('acme', id, { type: 'WITHDRAW' }, { 'idempotency-key': 'k1' });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
    // Keys are each caller's own: the reviewer's "k1" is another key.
    expect((await product.act('li', id, { type: 'REJECT', comment: 'Try again' }, { 'idempotency-key': 'k1' })).status).toBe(200);
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    await product.act('wang', id, { type: 'APPROVE' });
    await product.act('acme', id, { type: 'APPLY', milestone: 2, materials });
    await product.act('wang', id, { type: 'APPROVE' });
    await product.act('acme', id, { type: 'APPLY', milestone: 3, materials });
    const last = await product.act('li', id, { type: 'APPROVE' }, { 'idempotency-key': 'final' });
    expect(last.body.done).toBe(true);
    const retry = await product.act('li', id, { type: 'APPROVE' }, { 'idempotency-key': 'final' });
    expect(retry.status).toBe(200);
    expect(retry.body.version).toBe(last.body.version);
  });

  it('two simultaneous starts of the same process create it once: one 201, one 200', async () => {
    const [a, b] = await Promise.all([
      product.start('acme', 'nre-milestones', {}, { businessKey: 'simultaneous' }),
      product.start('acme', 'nre-milestones', {}, { businessKey: 'simultaneous' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
    expect(a.body.records).toHaveLength(1);
  });

  it('answers 503 engine_unavailable, instead of hanging, when no worker takes a request', async () => {
    const keys = new Map(Object.values(product.people).map((p) => [p.key, p as Identity]));
    const idle = new ProcessClient(product.client.temporal, { taskQueue: `nobody-polls-${Date.now()}`, answerWithinMs: 1000 });
    const app = await buildServer({ client: idle, store: product.store, keys, log: pino({ level: 'silent' }), webhooks: { sealer: createSealer(payloadKeys(product.config)), targets: 'loopback' } });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const response = await fetch(`${url}/v1/processes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${product.people.acme.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'nre-milestones', input: {}, businessKey: 'no-worker' }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('engine_unavailable');
    } finally {
      await app.close();
    }
  });

  it('keeps ProcessKind, PartnerId and ProcessState current for ops to filter in the Web UI', async () => {
    const id = await startMilestones('visibility');
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    const partnerId = product.people.acme.partnerId;
    const query = `ProcessKind = 'nre-milestones' AND PartnerId = '${partnerId}' AND ProcessState = 'underReview' AND WorkflowId = '${id}'`;
    const found = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const wf of product.client.temporal.workflow.list({ query })) ids.push(wf.workflowId);
        return ids;
      },
      (ids) => ids.length === 1,
    );
    expect(found).toEqual([id]);
  });
});
