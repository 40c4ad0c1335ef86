import { describe, expect, it } from 'vitest';
import { fourEyes, fourEyesAny } from '../machines/policy';

/** The four-eyes policy (R72) as the machines hold it, which the inbox's claim reuses instead of restating. */

const li = { id: 'li.reviewer', role: 'reviewer' as const };
const wang = { id: 'wang.reviewer', role: 'reviewer' as const };

describe('four-eyes (machines/policy.ts)', () => {
  it('R72 nobody decides a review they submitted; anyone else may', () => {
    expect(fourEyes({ submittedBy: li.id }, li)).toMatchObject({ status: 403, code: 'four_eyes' });
    expect(fourEyes({ submittedBy: li.id }, wang)).toBeUndefined();
    expect(fourEyes(undefined, li)).toBeUndefined();
  });

  it('R72 a delegate decides nothing the reviewer away submitted, and names them in the reason', () => {
    const refusal = fourEyes({ submittedBy: li.id }, { ...wang, onBehalfOf: li.id });
    expect(refusal).toMatchObject({ status: 403, code: 'four_eyes' });
    expect(refusal?.reason).toContain(li.id);
    expect(fourEyes({ submittedBy: 'alice@acme' }, { ...wang, onBehalfOf: li.id })).toBeUndefined();
  });

  it('R72 a reviewer may not take a process into their hands if they submitted any of its pending reviews', () => {
    const reviews = { initiation: { submittedBy: 'alice@acme' }, 'joint-design': { submittedBy: li.id } };
    expect(fourEyesAny(reviews, li)).toMatchObject({ code: 'four_eyes' });
    expect(fourEyesAny(reviews, wang)).toBeUndefined();
    expect(fourEyesAny(undefined, li)).toBeUndefined();
  });
});
