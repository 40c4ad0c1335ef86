import { describe, expect, it } from 'vitest';
import { describeKind } from '../machines/describe';
import { allowedActions } from '../machines/policy';
import { kindOf, registry, versionsOf } from '../machines/registry';
import { licence, materials } from './support/fixtures';
import { actors, drive } from './support/machine';

const refusalOf = (verdict: ReturnType<ReturnType<typeof drive>['send']>) => (verdict.ok ? undefined : verdict.refusal);

describe('versions of a kind', () => {
  it('every version of every kind stays loadable, oldest first, the newest being what new processes start on', () => {
    for (const [name, newest] of Object.entries(registry)) {
      const versions = versionsOf(name);
      expect(versions.map((k) => k.version)).toEqual(versions.map((_, i) => i + 1));
      expect(versions[versions.length - 1]).toBe(newest);
      for (const kind of versions) expect(kindOf(name, kind.version)).toBe(kind);
    }
    expect(kindOf('nre-milestones', 3)).toBeUndefined();
    expect(versionsOf('no-such-kind')).toEqual([]);
  });

  it('R13 nre-milestones v1 still takes an application without materials; v2 refuses it, naming what is missing', () => {
    const v1 = drive(kindOf('nre-milestones', 1)!, {}, { businessCertified: true });
    expect(v1.send(actors.partner, { type: 'APPLY', milestone: 1 }).ok).toBe(true);
    const v2 = drive(kindOf('nre-milestones', 2)!, {}, { businessCertified: true });
    const refusal = refusalOf(v2.send(actors.partner, { type: 'APPLY', milestone: 1, materials: [] }));
    expect(refusal).toMatchObject({ status: 422, code: 'invalid_payload' });
    expect(refusal!.reason).toContain('attach at least one material item');
    expect(v2.snapshot.value).toBe('open');
  });

  it('R13 nre-milestones v2: the reviewer asks for more materials, the partner supplies them, the review starts again', () => {
    const p = drive(kindOf('nre-milestones', 2)!, {}, { businessCertified: true });
    p.send(actors.partner, { type: 'APPLY', milestone: 1, materials });
    // Four-eyes holds for the request too: it is a reviewer's decision.
    expect(refusalOf(p.send({ id: actors.partner.id, role: 'reviewer' }, { type: 'REQUEST_MORE', comment: 'x' }))).toMatchObject({ code: 'four_eyes' });
    expect(refusalOf(p.send(actors.partner, { type: 'REQUEST_MORE', comment: 'x' }))).toMatchObject({ status: 403 });
    expect(p.send(actors.reviewer, { type: 'REQUEST_MORE', comment: 'Add the load test report' }).ok).toBe(true);
    expect(p.snapshot.value).toBe('moreMaterialsRequested');
    expect(p.last.notifications).toEqual([expect.objectContaining({ audience: 'partner', body: expect.objectContaining({ en: expect.stringContaining('Add the load test report') }) })]);
    // Leaving review cancels its reminders; the partner's move now.
    expect(p.last.timers.every((t) => 'cancel' in t)).toBe(true);
    expect(p.last.row.waitingFor).toEqual(['partner']);
    expect(allowedActions(kindOf('nre-milestones', 2)!, p.snapshot, actors.partner).map((a) => a.type).sort()).toEqual(['SUPPLY_MATERIALS', 'WITHDRAW']);
    expect(refusalOf(p.send(actors.reviewer, { type: 'APPROVE' }))).toMatchObject({ status: 409, code: 'not_allowed_in_state' });
    expect(p.send(actors.partner, { type: 'SUPPLY_MATERIALS', materials: [{ name: 'Load test', url: 'https://files.example/load.pdf' }] }).ok).toBe(true);
    expect(p.snapshot.value).toBe('underReview');
    expect((p.snapshot.context as { application: { materials: unknown[] } }).application.materials).toHaveLength(2);
    expect(p.last.timers.map((t) => ('start' in t ? t.start : t.cancel))).toEqual([
      'xstate.after.reviewReminder.nre-milestones.underReview',
      'xstate.after.reviewOverdue.nre-milestones.underReview',
    ]);
    expect(p.send(actors.reviewer, { type: 'APPROVE' }).ok).toBe(true);
    expect(p.snapshot.context).toMatchObject({ accepted: 1, materialRequests: [{ milestone: 1, comment: 'Add the load test report' }] });
  });

  it('R3 business-certification v2 takes only a unified social credit code with the licence attached; v1 took any number', () => {
    const v1 = drive(kindOf('business-certification', 1)!, {});
    expect(v1.send(actors.partner, { type: 'SUBMIT', licenseNumber: 'ABC-123' }).ok).toBe(true);
    const v2 = drive(kindOf('business-certification', 2)!, {});
    expect(refusalOf(v2.send(actors.partner, { type: 'SUBMIT', licenseNumber: 'ABC-123', materials: licence.materials }))!.reason).toContain('unified social credit code');
    expect(refusalOf(v2.send(actors.partner, { type: 'SUBMIT', licenseNumber: licence.licenseNumber }))).toMatchObject({ status: 422 });
    expect(v2.send(actors.partner, { type: 'SUBMIT', ...licence }).ok).toBe(true);
  });

  it('GET /v1/kinds/:kind describes the newest version, in both languages, with the new event and state', () => {
    const described = describeKind(registry['nre-milestones']);
    expect(described.version).toBe(2);
    expect(described.events.map((e) => e.type)).toEqual(['APPLY', 'APPROVE', 'REJECT', 'WITHDRAW', 'REQUEST_MORE', 'SUPPLY_MATERIALS']);
    expect(described.states.find((s) => s.id === 'moreMaterialsRequested')).toMatchObject({ label: { 'zh-CN': '里程碑验收：待补充材料' }, waitsFor: 'partner' });
    expect(described.mermaid).toContain('underReview --> moreMaterialsRequested : REQUEST_MORE');
  });
});
