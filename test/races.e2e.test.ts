import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certifyBusiness } from './support/flows';
import { writeFigures } from './support/figures';
import { startProduct, type Product } from './support/product';
import { materials } from './support/fixtures';

/** Real concurrent HTTP requests against the real engine: who wins a race, and what a retry storm applies. */

const RACE_ROUNDS = 20;
const RETRY_ROUNDS = 6;
const RETRIES_AT_ONCE = 8;

let product: Product;
beforeAll(async () => {
  product = await startProduct();
  await certifyBusiness(product, 'acme');
});
afterAll(() => product?.stop());

const decisions = (records: { event: string }[]) => records.filter((r) => r.event === 'APPROVE' || r.event === 'REJECT');

describe('races and retries over HTTP', () => {
  it(`R72 R73 two reviewers deciding the same review at the same moment, ${RACE_ROUNDS} rounds: exactly one wins, the other gets 409 and changes nothing`, async () => {
    const loserCodes: Record<string, number> = {};
    let approvals = 0;
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const id = (await product.start('acme', 'nre-milestones', {}, { businessKey: `race-${round}` })).body.id as string;
      expect((await product.act('acme', id, { type: 'APPLY', milestone: 1, materials })).status).toBe(200);
      // Alternate a clash of opposite decisions with a clash of the same decision.
      const wangDecides = round % 2 ? { type: 'APPROVE' } : { type: 'REJECT', comment: 'Evidence missing' };
      const replies = await Promise.all([product.act('li', id, { type: 'APPROVE' }), product.act('wang', id, wangDecides)]);
      expect(replies.map((r) => r.status).sort(), JSON.stringify(replies.map((r) => r.body))).toEqual([200, 409]);
      const winner = replies.find((r) => r.status === 200)!;
      const loser = replies.find((r) => r.status === 409)!;
      loserCodes[loser.body.error.code] = (loserCodes[loser.body.error.code] ?? 0) + 1;
      const view = (await product.view('acme', id)).body;
      // One decision recorded, the winner's; the view is the one the winner was answered.
      expect(decisions(view.records)).toHaveLength(1);
      expect(view.version).toBe(winner.body.version);
      expect(view.state).toBe(winner.body.state);
      if (decisions(view.records)[0].event === 'APPROVE') approvals++;
    }
    writeFigures('races', { rounds: RACE_ROUNDS, winners: RACE_ROUNDS, doubleWins: 0, approvalsWon: approvals, loserCodes });
  });

  it(`R73 ${RETRIES_AT_ONCE} concurrent retries of one request with the same Idempotency-Key apply it once, ${RETRY_ROUNDS} rounds`, async () => {
    let requests = 0;
    for (let round = 0; round < RETRY_ROUNDS; round++) {
      // The start itself, retried at once without a business key: one process.
      const starts = await Promise.all(
        Array.from({ length: RETRIES_AT_ONCE }, () => product.call('acme', 'POST', '/v1/processes', { kind: 'nre-milestones', input: {} }, { 'idempotency-key': `start-${round}` })),
      );
      expect(starts.map((r) => r.status).sort((a, b) => a - b)).toEqual([...Array(RETRIES_AT_ONCE - 1).fill(200), 201]);
      const id = starts[0].body.id as string;
      expect(new Set(starts.map((r) => r.body.id))).toEqual(new Set([id]));

      // Then the same action sent many times at once, as an impatient client's retries would.
      const applies = await Promise.all(
        Array.from({ length: RETRIES_AT_ONCE }, () => product.act('acme', id, { type: 'APPLY', milestone: 1, materials }, { 'idempotency-key': `apply-${round}` })),
      );
      expect(applies.map((r) => r.status)).toEqual(Array(RETRIES_AT_ONCE).fill(200));
      expect(new Set(applies.map((r) => r.body.version))).toEqual(new Set([1]));
      const approves = await Promise.all(
        Array.from({ length: RETRIES_AT_ONCE }, () => product.act('li', id, { type: 'APPROVE' }, { 'idempotency-key': `approve-${round}` })),
      );
      expect(approves.map((r) => r.status)).toEqual(Array(RETRIES_AT_ONCE).fill(200));
      const records = (await product.view('acme', id)).body.records;
      expect(records.map((r: { event: string }) => r.event)).toEqual(['START', 'APPLY', 'APPROVE']);
      expect((await product.store.listOutbox({ processId: id })).filter((m) => m.seq === 1)).toHaveLength(1);
      requests += RETRIES_AT_ONCE * 3;
    }
    writeFigures('idempotency', { rounds: RETRY_ROUNDS, concurrentCopies: RETRIES_AT_ONCE, requests, applied: RETRY_ROUNDS * 3, duplicatesApplied: 0 });
  });
});
