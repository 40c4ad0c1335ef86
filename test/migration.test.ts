import { describe, expect, it } from 'vitest';
import { planMove, whatIf } from '../machines/migration';
import { stateKey } from '../machines/policy';
import { versionsOf } from '../machines/registry';
import { licence, materials } from './support/fixtures';
import { actors, drive } from './support/machine';
import { pathsToEveryState } from './support/paths';

/** Planning a move between versions of a kind, on pure machines: what the dry run shows and the driver applies. */

const milestones = versionsOf('nre-milestones');
const [v1, v2] = milestones;
/** The plan for a v1 process driven purely. */
const plan = (p: ReturnType<typeof drive>, to = v2, options = {}) =>
  planMove(milestones, v1, to, { value: p.snapshot.value, context: p.snapshot.context, done: p.snapshot.status !== 'active' }, p.timers, options);

describe('planning a migration', () => {
  it('every resting state of nre-milestones v1 moves to v2 as it is, its pending timers kept in place', () => {
    const paths = pathsToEveryState(v1);
    expect(paths.length).toBeGreaterThan(3);
    for (const path of paths) {
      const p = drive(v1, {}, { businessCertified: true }, actors.partner);
      for (const step of path.steps) p.send(step.role === 'reviewer' ? actors.reviewer : actors.partner, step.action);
      const verdict = plan(p);
      if (p.snapshot.status !== 'active') {
        expect(verdict).toMatchObject({ verdict: 'stays', code: 'process_ended' });
        continue;
      }
      expect(verdict, path.rows.join()).toMatchObject({ verdict: 'moves', toState: stateKey(p.snapshot.value) });
      if (verdict.verdict === 'moves') {
        expect(verdict.timers).toEqual(p.timers);
        expect(verdict.snapshot.context).toMatchObject({ materialRequests: [] });
      }
    }
  });

  it('a process waiting for more materials has no counterpart in v1: it stays unless the plan maps its state', () => {
    const p = drive(v2, {}, { businessCertified: true });
    p.send(actors.partner, { type: 'APPLY', milestone: 1, materials });
    p.send(actors.reviewer, { type: 'REQUEST_MORE', comment: 'Load test report' });
    const back = planMove(milestones, v2, v1, { value: p.snapshot.value, context: p.snapshot.context }, p.timers);
    expect(back).toMatchObject({ verdict: 'stays', code: 'no_counterpart' });
    expect(back.verdict === 'stays' && back.reason).toContain('"moreMaterialsRequested" has no counterpart in v1');
    const mapped = planMove(milestones, v2, v1, { value: p.snapshot.value, context: p.snapshot.context }, p.timers, { mapping: { moreMaterialsRequested: 'rejected' } });
    expect(mapped).toMatchObject({ verdict: 'moves', toState: 'rejected' });
    expect(mapped.verdict === 'moves' && mapped.snapshot.context).not.toHaveProperty('materialRequests');
  });

  it('a pending review timer with no place in the mapped state keeps the process where it is', () => {
    const p = drive(v1, {}, { businessCertified: true });
    p.send(actors.partner, { type: 'APPLY', milestone: 1 });
    expect(p.timers).toHaveLength(2);
    expect(plan(p, v2, { mapping: { underReview: 'rejected' } })).toMatchObject({ verdict: 'stays', code: 'timer_without_place' });
  });

  it('nothing moves while an action is being applied, or when it is already on the version', () => {
    const p = drive(v1, {}, { businessCertified: true });
    expect(plan(p, v2, { busy: true })).toMatchObject({ verdict: 'stays', code: 'update_in_flight' });
    expect(plan(p, v1)).toMatchObject({ verdict: 'stays', code: 'already_on_version' });
  });
});

describe('what-if replay of a process’s past under the new version', () => {
  it('R13 names the first application v2 would have refused: one without materials', () => {
    const p = drive(v1, {}, { businessCertified: true });
    p.send(actors.partner, { type: 'APPLY', milestone: 1, materials });
    p.send(actors.reviewer, { type: 'APPROVE' });
    p.send(actors.partner, { type: 'APPLY', milestone: 2 });
    const result = whatIf(v2, p.start, p.records);
    expect(result.firstDifference).toMatchObject({ seq: 3, event: 'APPLY', outcome: 'refused', code: 'invalid_payload' });
    expect(result.replayed).toBe(2);
  });

  it('a past that v2 would have taken step by step has no difference, timers and facts included', () => {
    const p = drive(v1, {}, { businessCertified: false });
    p.fact('businessCertified');
    p.send(actors.partner, { type: 'APPLY', milestone: 1, materials });
    p.fire(p.timers[0].event.type);
    p.send(actors.reviewer, { type: 'REJECT', comment: 'More tests' });
    p.send(actors.partner, { type: 'APPLY', milestone: 1, materials });
    expect(whatIf(v2, p.start, p.records)).toEqual({ replayed: 5 });
  });

  it('R3 names a certification submitted under v1 with a number v2 would not take', () => {
    const [c1, c2] = versionsOf('business-certification');
    const p = drive(c1, {});
    p.send(actors.partner, { type: 'SUBMIT', licenseNumber: 'SH-2019-0042' });
    const result = whatIf(c2, p.start, p.records);
    expect(result.firstDifference).toMatchObject({ event: 'SUBMIT', outcome: 'refused', code: 'invalid_payload' });
    expect(result.firstDifference!.reason).toContain('unified social credit code');
    const q = drive(c1, {});
    q.send(actors.partner, { type: 'SUBMIT', ...licence });
    expect(whatIf(c2, q.start, q.records).firstDifference).toBeUndefined();
  });
});
