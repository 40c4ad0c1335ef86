import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../machines/kind';
import { judge, type StampedEvent } from '../machines/policy';
import { registry } from '../machines/registry';
import { noFacts, type Actor } from '../machines/types';
import { startStep, step, type ProcessIdentity } from '../workflows/step';
import { actors } from './support/machine';

/** The driver's pure step, alone: what one accepted event makes the workflow record, show, send and schedule. */

const kind = registry['nre-milestones'];
const at = '2026-11-26T04:00:00.000Z';
const now = Date.parse(at);
const who: ProcessIdentity = { processId: 'nre-milestones:acme:p1', partnerId: 'acme', businessKey: 'p1', startedBy: actors.partner, createdAt: at };
const started = () =>
  startStep(kind, who, { processId: who.processId, partnerId: 'acme', startedBy: actors.partner, at, input: { project: 'Port' }, facts: { ...noFacts, businessCertified: true }, settings: defaultSettings }, now);
const accepted = (snapshot: ReturnType<typeof started>['snapshot'], action: Record<string, unknown>, actor: Actor = actors.partner, when = at): StampedEvent => {
  const verdict = judge(kind, snapshot, action, actor, when);
  if (!verdict.ok) throw new Error(verdict.refusal.reason);
  return verdict.event;
};

describe('the driver’s step', () => {
  it('R71 records the start as step 0 by whoever started it, with the row the records store keeps', () => {
    const first = started();
    expect(first.seq).toBe(0);
    expect(first.record).toEqual({ processId: who.processId, seq: 0, at, actorId: 'alice@acme', role: 'partner', event: 'START', from: null, to: 'open', payload: { project: 'Port' } });
    expect(first.row).toMatchObject({ id: who.processId, kind: 'nre-milestones', kindVersion: kind.version, state: 'open', version: 0, waitingFor: ['partner'], dueAt: null, done: false, businessKey: 'p1' });
    expect(first.notifications).toEqual([]);
    expect(first.timers).toEqual([]);
  });

  it('R71 a submission is step n+1: its record, the reviewers told, and the review’s two timers due from now', () => {
    const first = started();
    const applied = step(kind, who, first.snapshot, first.seq, accepted(first.snapshot, { type: 'APPLY', milestone: 1, materials: [{ name: 'Plan', url: 'https://x.example/p' }] }), { updateId: 'alice@acme:k1' }, now);
    expect(applied.seq).toBe(1);
    expect(applied.record).toMatchObject({ seq: 1, event: 'APPLY', from: 'open', to: 'underReview', updateId: 'alice@acme:k1', payload: { milestone: 1 } });
    expect(applied.notifications).toEqual([expect.objectContaining({ audience: 'reviewers', topic: 'actionNeeded', seq: 1 })]);
    const timers = applied.timers as Array<{ start: string; dueAt: number }>;
    expect(timers.map((t) => t.start)).toEqual(['xstate.after.reviewReminder.nre-milestones.underReview', 'xstate.after.reviewOverdue.nre-milestones.underReview']);
    const due = Date.parse(applied.view.dueAt!);
    expect(timers[1].dueAt).toBe(due);
    expect(timers[0].dueAt).toBe(due - defaultSettings.review.remindBeforeMs);
    expect(applied.row).toMatchObject({ version: 1, waitingFor: ['reviewer'], dueAt: applied.view.dueAt });
  });

  it('R13 a decision cancels the review’s timers, keeps the comment on the record and tells the partner', () => {
    const first = started();
    const applied = step(kind, who, first.snapshot, first.seq, accepted(first.snapshot, { type: 'APPLY', milestone: 1, materials: [{ name: 'Plan', url: 'https://x.example/p' }] }), {}, now);
    const rejected = step(kind, who, applied.snapshot, applied.seq, accepted(applied.snapshot, { type: 'REJECT', comment: 'Costs missing' }, actors.reviewer), {}, now);
    expect(rejected.timers).toEqual([
      { cancel: 'xstate.after.reviewReminder.nre-milestones.underReview' },
      { cancel: 'xstate.after.reviewOverdue.nre-milestones.underReview' },
    ]);
    expect(rejected.record).toMatchObject({ seq: 2, event: 'REJECT', actorId: 'li.reviewer', role: 'reviewer', from: 'underReview', to: 'rejected', comment: 'Costs missing' });
    expect(rejected.record.payload).toBeUndefined();
    expect(rejected.notifications).toEqual([expect.objectContaining({ audience: 'partner', topic: 'reviewOutcome', seq: 2 })]);
    expect(rejected.row.dueAt).toBeNull();
  });

  it('names a step nobody sent by its cause: a timer, a fact, an operation’s outcome', () => {
    const first = started();
    const applied = step(kind, who, first.snapshot, first.seq, accepted(first.snapshot, { type: 'APPLY', milestone: 1, materials: [{ name: 'Plan', url: 'https://x.example/p' }] }), {}, now);
    const timer = (applied.timers[0] as { event: { type: string } }).event;
    const reminded = step(kind, who, applied.snapshot, applied.seq, { ...timer, actor: actors.system, at }, { name: 'reviewReminder', reason: 'The delay configured for this state passed.' }, now);
    expect(reminded.record).toMatchObject({ event: 'reviewReminder', from: 'underReview', to: 'underReview', reason: 'The delay configured for this state passed.' });
    expect(reminded.notifications).toEqual([expect.objectContaining({ audience: 'reviewers', topic: 'reminder' })]);
    expect(reminded.timers).toEqual([]);
  });
});
