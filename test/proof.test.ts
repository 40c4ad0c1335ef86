import { describe, expect, it } from 'vitest';
import { proofWindowMs, unproven } from '../workflows/proof';

describe('the edge’s proof (the engine is no back door)', () => {
  const now = Date.parse('2026-12-01T08:00:00Z');
  const made = { processId: 'nre-milestones:acme:m1', updateId: 'wang.reviewer:reviewer:k1', at: new Date(now - 2000).toISOString() };

  it('R73 holds for the process, the Update and the moment it was made for', () => {
    expect(unproven(made, { processId: made.processId, updateId: made.updateId, now })).toBeUndefined();
    // A start or a fact may wait hours for a worker: only its process is checked.
    expect(unproven({ processId: made.processId, at: '2026-01-01T00:00:00Z' }, { processId: made.processId })).toBeUndefined();
  });

  it('R73 says why it does not hold: none, another process, another Update, too old or from the future', () => {
    expect(unproven(undefined, { processId: made.processId, now })).toMatch(/no proof/);
    expect(unproven({ refused: 'unsealed' } as never, { processId: made.processId, now })).toMatch(/another process/);
    expect(unproven(made, { processId: 'nre-milestones:globex:m1', updateId: made.updateId, now })).toMatch(/another process/);
    expect(unproven(made, { processId: made.processId, updateId: 'u-2', now })).toMatch(/another Update/);
    const at = Date.parse(made.at);
    expect(unproven(made, { processId: made.processId, updateId: made.updateId, now: at + proofWindowMs })).toBeUndefined();
    expect(unproven(made, { processId: made.processId, updateId: made.updateId, now: at + proofWindowMs + 1 })).toMatch(/last ten minutes/);
    expect(unproven(made, { processId: made.processId, updateId: made.updateId, now: at - proofWindowMs - 1 })).toMatch(/last ten minutes/);
    expect(unproven({ ...made, at: 'yesterday' }, { processId: made.processId, updateId: made.updateId, now })).toMatch(/last ten minutes/);
  });
});
