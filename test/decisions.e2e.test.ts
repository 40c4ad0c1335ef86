import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workingHoursBetween } from '../api/reviewTimes';
import { footprint } from './support/flows';
import { licence } from './support/fixtures';
import { startProduct, type Person, type Product } from './support/product';

/**
 * Reviewers' volume work: bulk decisions (`POST /v1/tasks/decisions`), each item judged and applied on
 * its own through the same path as a single action, and the review-time report ops read.
 */

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(async () => {
  await product?.stop();
});

async function submitted(partner: Person, kind: 'business-certification' | 'initiation-review' = 'business-certification', key?: string) {
  if (kind === 'initiation-review') return (await product.start(partner, kind, { solution: `Solution ${key}` }, { businessKey: key })).body as { id: string; version: number };
  const started = await product.start(partner, kind);
  const done = await product.act(partner, started.body.id, { type: 'SUBMIT', ...licence });
  expect(done.status).toBe(200);
  return done.body as { id: string; version: number };
}

let reviews = 0;
/** A solution under initiation review (R20): a partner may have many, each decided with subject "initiation". */
const review = async (partner: Person) => submitted(partner, 'initiation-review', `bulk-${++reviews}`);

const decide = (who: Person, body: unknown, headers?: Record<string, string>) => product.call(who, 'POST', '/v1/tasks/decisions', body, headers);

describe('bulk decisions', () => {
  it('R72 R73: a bulk approval applies each item on its own, answering per item, a four-eyes refusal among them, and never half an item', async () => {
    const acme = await submitted('acme');
    const globex = await submitted('globex');
    const own = await submitted('chenPartner');
    const retail = await submitted('acme', 'initiation-review', 'bulk-retail');
    const held = await submitted('reseller');
    await product.call('li', 'POST', `/v1/tasks/${encodeURIComponent(held.id)}/claim`);
    const stale = await submitted('distributor');
    // Waiting for its partner, not a reviewer (and initech is not certified in this batch, so no fact moves it).
    const notYet = (await product.start('chenPartner', 'nre-milestones', {}, { businessKey: 'bulk-nre' })).body;
    const untouched = await Promise.all([own, retail, held, stale, notYet].map((p) => footprint(product, p.id)));

    const reply = await decide('chenReviewer', {
      comment: 'Routine approval',
      items: [
        { processId: acme.id, type: 'APPROVE' },
        { processId: globex.id, type: 'APPROVE', version: globex.version },
        { processId: own.id, type: 'APPROVE' },
        { processId: retail.id, type: 'APPROVE', subject: 'initiation' },
        { processId: held.id, type: 'APPROVE' },
        { processId: stale.id, type: 'APPROVE', version: stale.version - 1 },
        { processId: notYet.id, type: 'APPROVE' },
        { processId: 'business-certification:nobody', type: 'APPROVE' },
        { processId: retail.id, type: 'WITHDRAW' },
      ],
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const results = reply.body.results as Array<{ processId: string; ok: boolean; version?: number; error?: { status: number; code: string } }>;
    expect(results.map((r) => [r.processId, r.ok, r.error?.status, r.error?.code])).toEqual([
      [acme.id, true, undefined, undefined],
      [globex.id, true, undefined, undefined],
      [own.id, false, 403, 'four_eyes'],
      [retail.id, true, undefined, undefined],
      [held.id, false, 409, 'claimed_by_other'],
      [stale.id, false, 412, 'version_mismatch'],
      [notYet.id, false, 409, 'not_allowed_in_state'],
      ['business-certification:nobody', false, 404, 'not_found'],
      [retail.id, false, 422, 'not_a_decision'],
    ]);
    // Applied items moved on and carry the batch's comment; refused ones did not move at all (R73).
    for (const id of [acme.id, globex.id]) {
      const view = (await product.view('ops', id)).body;
      expect(view.state).toBe('certified');
      expect(view.records.at(-1)).toMatchObject({ event: 'APPROVE', actor: product.people.chenReviewer.id, comment: 'Routine approval' });
      expect(results.find((r) => r.processId === id)!.version).toBe(view.version);
    }
    expect((await product.view('ops', retail.id)).body.state).toContain('initiation.complete');
    const after = await Promise.all([own, held, stale, notYet].map((p) => footprint(product, p.id)));
    expect(after).toEqual([untouched[0], untouched[2], untouched[3], untouched[4]]);
    expect(results.find((r) => r.error?.code === 'four_eyes')).toBeDefined();
  });

  it('R73: a batch over 100 items, with duplicates, empty, or from someone who is not a reviewer is refused whole, and nothing changes', async () => {
    const p = await review('acme');
    const before = await footprint(product, p.id);
    const item = { processId: p.id, type: 'APPROVE', subject: 'initiation' };
    const refused = async (who: Person, body: unknown, status: number, code: string) => {
      const reply = await decide(who, body);
      expect(reply.status, JSON.stringify(reply.body)).toBe(status);
      expect(reply.body.error.code).toBe(code);
    };
    await refused('li', { items: Array.from({ length: 101 }, (_, i) => ({ processId: `${p.id}-${i}`, type: 'APPROVE', subject: 'initiation' })) }, 422, 'too_many_items');
    // The cap is declared to clients too.
    const openapi = (await (await fetch(`${product.url}/openapi.json`)).json()) as any;
    expect(openapi.paths['/v1/tasks/decisions'].post.requestBody.content['application/json'].schema.properties.items).toMatchObject({ minItems: 1, maxItems: 100 });
    await refused('li', { items: [item, { processId: 'other', type: 'APPROVE', subject: 'initiation' }, item] }, 422, 'duplicate_items');
    await refused('li', { items: [] }, 422, 'invalid_body');
    await refused('li', { items: [{ ...item, note: 'x' }] }, 422, 'invalid_body');
    await refused('acme', { items: [item] }, 403, 'role_not_allowed');
    expect(await footprint(product, p.id)).toEqual(before);
    // A rejection needs its comment; without one every item says so.
    const noComment = await decide('li', { items: [{ processId: p.id, type: 'REJECT', subject: 'initiation' }] });
    expect(noComment.body.results[0]).toMatchObject({ ok: false, error: { status: 422, code: 'invalid_payload' } });
    expect(await footprint(product, p.id)).toEqual(before);
  });

  it('R71: the same batch sent again with its Idempotency-Key applies nothing twice and answers as before', async () => {
    const a = await review('acme');
    const b = await review('globex');
    const own = await review('chenPartner');
    const batch = { comment: 'Batch 42', items: [a, b, own].map((p) => ({ processId: p.id, type: 'APPROVE', subject: 'initiation' })) };
    const first = await decide('chenReviewer', batch, { 'idempotency-key': 'batch-42' });
    const again = await decide('chenReviewer', batch, { 'idempotency-key': 'batch-42' });
    expect(again.body).toEqual(first.body);
    expect(first.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true, false]);
    for (const p of [a, b]) expect((await product.store.listRecords(p.id)).filter((r) => r.event === 'APPROVE')).toHaveLength(1);
    // The key is the batch's: reused for another decision on the same review, the item is refused.
    const other = await decide('chenReviewer', { comment: 'No', items: [{ processId: a.id, type: 'REJECT', subject: 'initiation' }] }, { 'idempotency-key': 'batch-42' });
    expect(other.body.results[0].error.code).toBe('idempotency_key_reused');
  });
});

describe('the review-time report', () => {
  it('R70: per kind and reviewer, decisions, median and 90th percentile working hours (GMT+08:00), overdue, and who decided on behalf of whom', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    // Everything this product decided so far, plus one decision on li's behalf.
    const held = await review('globex');
    await product.call('li', 'POST', `/v1/tasks/${encodeURIComponent(held.id)}/claim`);
    expect((await product.call('li', 'PUT', '/v1/reviewers/li.reviewer/delegation', { to: 'wang.reviewer', until: new Date(Date.now() + 3600_000).toISOString() })).status).toBe(201);
    expect((await product.act('wang', held.id, { type: 'APPROVE', subject: 'initiation' })).status).toBe(200);

    const reply = await product.call('ops', 'GET', `/v1/reports/reviews?from=${encodeURIComponent(from)}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const report = reply.body;
    expect(report.workingHours).toEqual({ days: 'Monday–Friday', start: '09:00', end: '18:00', timeZone: 'GMT+08:00' });
    expect(report.toLocal).toMatch(/\+08:00$/);

    // The figures are the records' own: each decision's working hours since its submission.
    const decisions = [];
    for (const row of (await product.store.listProcesses({ limit: 100 })).items) {
      const records = await product.store.listRecords(row.id);
      for (const r of records)
        if (r.role === 'reviewer' && ['APPROVE', 'REJECT'].includes(r.event) && r.at >= from) {
          const opened = records.filter((x) => x.seq < r.seq && x.to === r.from && x.from !== r.from).at(-1)!;
          decisions.push({ kind: row.kind, reviewer: r.actorId, hours: workingHoursBetween(opened.at, r.at) });
        }
    }
    const certifications = report.byKind.find((k: { kind: string }) => k.kind === 'business-certification');
    expect(certifications.decided).toBe(decisions.filter((d) => d.kind === 'business-certification').length);
    expect(certifications.title['zh-CN']).toBeTruthy();
    expect(report.total.decided).toBe(decisions.length);
    const wang = report.byReviewer.find((r: { reviewer: string }) => r.reviewer === 'wang.reviewer');
    expect(wang).toMatchObject({ decided: decisions.filter((d) => d.reviewer === 'wang.reviewer').length, onBehalf: 1, overdue: 0 });
    const hours = decisions.map((d) => d.hours).sort((x, y) => x - y);
    expect(report.total.medianHours).toBeCloseTo(hours.length % 2 ? hours[(hours.length - 1) / 2] : (hours[hours.length / 2 - 1] + hours[hours.length / 2]) / 2, 1);
    expect(report.total.p90Hours).toBeGreaterThanOrEqual(report.total.medianHours);

    // Narrowed to a kind with no decisions: empty figures, not an error.
    const none = (await product.call('ops', 'GET', `/v1/reports/reviews?from=${encodeURIComponent(from)}&kind=partner-payment`)).body;
    expect(none.total).toEqual({ decided: 0, medianHours: null, p90Hours: null, overdue: 0 });
  });

  it('R73: a range over a year, an empty range or an unknown kind is 422 with a reason; the report is for ops', async () => {
    const ask = (who: Person, query: string) => product.call(who, 'GET', `/v1/reports/reviews?${query}`);
    const long = await ask('ops', 'from=2025-01-01T00:00:00%2B08:00&to=2026-01-03T00:00:00%2B08:00');
    expect(long.status).toBe(422);
    expect(long.body.error.code).toBe('range_too_long');
    expect(long.body.error.reason).toContain('367 days');
    expect((await ask('ops', 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z')).body.error.code).toBe('range_empty');
    expect((await ask('ops', 'kind=moon-landing')).body.error.code).toBe('unknown_kind');
    expect((await ask('ops', 'from=yesterday')).status).toBe(400);
    expect((await ask('li', '')).status).toBe(403);
    expect((await ask('acme', '')).status).toBe(403);
  });
});
