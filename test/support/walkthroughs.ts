import { expect } from 'vitest';

/**
 * What README's third walkthrough ("keys, a reviewer away, bulk decisions and review times") must show,
 * one parsed JSON answer per curl: the same checks on `npm start` (test/start.e2e.test.ts) and on the
 * cluster's two APIs (test/cluster/cluster.test.ts).
 */
export function expectKeysWalkthrough(replies: any[]) {
  // The app's key works until its revocation, then fails at once: the one refusal of the walkthrough.
  expect(replies.filter((r) => r.error).map((r) => r.error.code)).toEqual(['key_revoked']);
  expect(replies).toContainEqual(expect.objectContaining({ id: 'orders-app@acme', role: 'partner', partnerId: 'acme' }));
  expect(replies).toContainEqual(expect.objectContaining({ id: 'orders-app@acme', status: 'revoked' }));
  const events = replies.find((r) => Array.isArray(r.items) && r.items.some((i: { event?: string }) => i.event === 'revoked'));
  expect(events.items.map((i: { event: string }) => i.event).slice(0, 2)).toEqual(['revoked', 'created']);

  // Li is away: her held review is in Wang's inbox and his decision is recorded on her behalf.
  const inbox = replies.find((r) => Array.isArray(r.items) && r.items.some((i: { id?: string }) => i.id === 'initiation-review:acme:smart-hotel'));
  expect(inbox.items.find((i: { id: string }) => i.id === 'initiation-review:acme:smart-hotel').task).toMatchObject({ onBehalfOf: 'li.reviewer' });
  const hotel = replies.filter((r) => r.id === 'initiation-review:acme:smart-hotel' && Array.isArray(r.records)).at(-1);
  expect(hotel.records.at(-1)).toMatchObject({ event: 'APPROVE', actor: 'wang.reviewer', onBehalfOf: 'li.reviewer' });

  // The bulk decision: globex's applied, initech's refused (Chen handed it in himself), in one 200.
  const bulk = replies.find((r) => Array.isArray(r.results));
  expect(bulk.results).toMatchObject([
    { processId: 'business-certification:globex', ok: true, version: 2 },
    { processId: 'business-certification:initech', ok: false, error: { status: 403, code: 'four_eyes' } },
  ]);

  // Review times: Wang's decision for Li counts as one on behalf.
  const report = replies.at(-1);
  expect(report.kind).toBe('initiation-review');
  expect(report.byReviewer.find((r: { reviewer: string }) => r.reviewer === 'wang.reviewer')?.onBehalf).toBeGreaterThanOrEqual(1);
}
