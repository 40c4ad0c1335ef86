import { describe, expect, it } from 'vitest';
import { businessCertification } from '../machines/businessCertification';
import { describeKind } from '../machines/describe';
import { nreMilestones } from '../machines/nreMilestones';
import { partnerOnboarding } from '../machines/partnerOnboarding';
import { allowedActions, labelOf } from '../machines/policy';
import { registry } from '../machines/registry';
import { partnerRoles, roleCertification } from '../machines/roleCertification';
import { actors, drive } from './support/machine';
import { licence, materials } from './support/fixtures';

const refusalOf = (verdict: ReturnType<ReturnType<typeof drive>['send']>) => (verdict.ok ? undefined : verdict.refusal);

describe('partner-onboarding machine', () => {
  it('R1 refuses the application before real-name verification and email binding, naming what is missing', () => {
    const p = drive(partnerOnboarding, { companyName: 'Acme' });
    const refusal = refusalOf(p.send(actors.partner, { type: 'SUBMIT', program: 'solution-provider' }));
    expect(refusal).toMatchObject({ status: 409, code: 'prerequisites_unmet' });
    expect(refusal!.reason).toContain('real-name verification and email binding');
    p.send(actors.system, { type: 'REAL_NAME_VERIFIED' });
    expect(refusalOf(p.send(actors.partner, { type: 'SUBMIT', program: 'solution-provider' }))!.reason).toMatch(/still missing: email binding\.$/);
    p.send(actors.partner, { type: 'BIND_EMAIL', email: 'it@acme.example' });
    expect(p.send(actors.partner, { type: 'SUBMIT', program: 'solution-provider', level: 'Advanced' }).ok).toBe(true);
    expect(p.snapshot.value).toBe('underReview');
  });

  it('R1 only system or ops can declare the enterprise real-name verified', () => {
    const p = drive(partnerOnboarding, { companyName: 'Acme' });
    expect(refusalOf(p.send(actors.partner, { type: 'REAL_NAME_VERIFIED' }))).toMatchObject({ status: 403, code: 'role_not_allowed' });
    expect(p.send(actors.ops, { type: 'REAL_NAME_VERIFIED' }).ok).toBe(true);
  });

  it('R2 a rejected application can be corrected and resubmitted, then approved', () => {
    const p = drive(partnerOnboarding, { companyName: 'Acme' }, { realNameVerified: true, emailBound: true });
    p.send(actors.partner, { type: 'SUBMIT', program: 'solution-provider' });
    expect(p.send(actors.reviewer, { type: 'REJECT', comment: 'Licence scan unreadable' }).ok).toBe(true);
    expect(p.snapshot.value).toBe('rejected');
    expect(p.snapshot.context.lastComment).toBe('Licence scan unreadable');
    expect(p.send(actors.partner, { type: 'SUBMIT', program: 'solution-provider', materials: [{ name: 'licence', url: 'https://files.example/l.pdf' }] }).ok).toBe(true);
    expect(p.send(actors.reviewer, { type: 'APPROVE' }).ok).toBe(true);
    expect(p.snapshot.status).toBe('done');
    expect(labelOf(partnerOnboarding, p.snapshot)['zh-CN']).toBe('已成为解决方案提供商合作伙伴');
  });
});

describe('business-certification machine', () => {
  it('R3 announces the passed certification to the partner’s other processes', () => {
    const p = drive(businessCertification, {});
    p.send(actors.partner, { type: 'SUBMIT', licenseNumber: '91310000MA1K000000', materials: licence.materials });
    p.send(actors.reviewer, { type: 'APPROVE', comment: 'ok' });
    expect(p.snapshot.value).toBe('certified');
    expect(p.last.announcements).toEqual([{ fact: 'businessCertified', value: true }]);
  });
});

describe('role-certification machine', () => {
  it('R5 refuses a role application until the role’s checkable minimum requirement is met', () => {
    const p = drive(roleCertification, { role: 'system-integrator' });
    expect(refusalOf(p.send(actors.partner, { type: 'SUBMIT' }))).toMatchObject({ status: 409, code: 'requirements_unmet' });
    p.fact('businessCertified');
    expect(p.send(actors.partner, { type: 'SUBMIT', note: '6 certified engineers' }).ok).toBe(true);
    p.send(actors.reviewer, { type: 'APPROVE' });
    expect(p.last.announcements).toEqual([{ fact: 'roleCertified', role: 'system-integrator' }]);
  });

  it('R5 offers a fixed list of roles, each with its stated minimum requirements', () => {
    expect(Object.keys(partnerRoles).length).toBeGreaterThanOrEqual(2);
    for (const role of Object.values(partnerRoles)) expect(role.requirements.length).toBeGreaterThan(0);
    expect(roleCertification.input.safeParse({ role: 'astronaut' }).success).toBe(false);
  });
});

describe('nre-milestones machine', () => {
  it('R10 refuses a milestone application without passed business-information certification', () => {
    const p = drive(nreMilestones, {});
    const refusal = refusalOf(p.send(actors.partner, { type: 'APPLY', milestone: 1, materials }));
    expect(refusal).toMatchObject({ status: 409, code: 'business_certification_required' });
    expect(p.snapshot.value).toBe('open');
  });

  it('R11 R12 accepts milestones only in order, each after the previous one passed', () => {
    const p = drive(nreMilestones, {}, { businessCertified: true });
    expect(refusalOf(p.send(actors.partner, { type: 'APPLY', milestone: 2, materials }))).toMatchObject({ code: 'milestone_out_of_order' });
    p.send(actors.partner, { type: 'APPLY', milestone: 1, materials });
    expect(refusalOf(p.send(actors.partner, { type: 'APPLY', milestone: 2, materials }))).toMatchObject({ code: 'not_allowed_in_state' });
    p.send(actors.reviewer, { type: 'APPROVE' });
    expect(refusalOf(p.send(actors.partner, { type: 'APPLY', milestone: 3, materials }))).toMatchObject({ code: 'milestone_out_of_order' });
    expect(allowedActions(nreMilestones, p.snapshot, actors.partner).find((a) => a.type === 'APPLY')?.params).toEqual({ milestone: 2 });
  });

  it('R13 a rejected milestone is applied for again and the process ends when milestone 3 is accepted', () => {
    const p = drive(nreMilestones, {}, { businessCertified: true });
    for (const milestone of [1, 2, 3] as const) {
      p.send(actors.partner, { type: 'APPLY', milestone, materials });
      p.send(actors.reviewer, { type: 'REJECT', comment: `milestone ${milestone} incomplete` });
      expect(p.snapshot.value).toBe('rejected');
      expect(p.send(actors.partner, { type: 'APPLY', milestone, materials }).ok).toBe(true);
      p.send(actors.reviewer, { type: 'APPROVE' });
    }
    expect(p.snapshot.status).toBe('done');
    expect(p.snapshot.context.accepted).toBe(3);
  });
});

describe('facts and withdrawal', () => {
  it('R10 a fact the process already knows, or does not use, is no event at all', () => {
    const p = drive(nreMilestones, {});
    const event = { type: 'FACT', actor: actors.system, at: '2026-11-26T04:00:00.000Z' };
    expect(p.snapshot.can({ ...event, fact: 'realNameVerified', value: true })).toBe(false);
    expect(p.snapshot.can({ ...event, fact: 'roleCertified', role: 'system-integrator' })).toBe(false);
    expect(p.snapshot.can({ ...event, fact: 'businessCertified', value: true })).toBe(true);
    p.fact('businessCertified');
    expect(p.snapshot.can({ ...event, fact: 'businessCertified', value: true })).toBe(false);
  });

  it('R13 withdrawing a rejected milestone application keeps the accepted milestones', () => {
    const p = drive(nreMilestones, {}, { businessCertified: true });
    p.send(actors.partner, { type: 'APPLY', milestone: 1, materials });
    p.send(actors.reviewer, { type: 'APPROVE' });
    p.send(actors.partner, { type: 'APPLY', milestone: 2, materials });
    p.send(actors.reviewer, { type: 'REJECT', comment: 'no' });
    expect(p.send(actors.partner, { type: 'WITHDRAW' }).ok).toBe(true);
    expect(p.snapshot.value).toBe('open');
    expect(p.snapshot.context.accepted).toBe(1);
  });
});

describe('policy shared by every kind', () => {
  it('R73 checks the payload first (422), then the actor (403), then the state (409)', () => {
    const p = drive(nreMilestones, {});
    expect(refusalOf(p.send(actors.reviewer, { type: 'APPLY', milestone: 9, materials }))).toMatchObject({ status: 422, code: 'invalid_payload' });
    expect(refusalOf(p.send(actors.reviewer, { type: 'APPLY', milestone: 1, materials }))).toMatchObject({ status: 403, code: 'role_not_allowed' });
    expect(refusalOf(p.send(actors.partner, { type: 'APPLY', milestone: 1, materials }))).toMatchObject({ status: 409 });
    expect(refusalOf(p.send(actors.partner, { type: 'APPLY', milestone: 1, extra: true }))!.reason).toContain('unknown field "extra"');
    expect(refusalOf(p.send(actors.partner, { type: 'LAUNCH' }))).toMatchObject({ status: 422, code: 'unknown_event' });
  });

  it('R72 a partner acts only on its own process, and nobody reviews their own submission', () => {
    const p = drive(nreMilestones, {}, { businessCertified: true });
    expect(refusalOf(p.send(actors.otherPartner, { type: 'APPLY', milestone: 1, materials }))).toMatchObject({ status: 403, code: 'not_your_process' });
    p.send(actors.partner, { type: 'APPLY', milestone: 1, materials });
    const sameperson = { id: actors.partner.id, role: 'reviewer' as const };
    expect(refusalOf(p.send(sameperson, { type: 'APPROVE' }))).toMatchObject({ status: 403, code: 'four_eyes' });
  });

  it('R72 a delegate deciding on behalf of a reviewer away decides neither what they nor what that reviewer submitted', () => {
    const p = drive(nreMilestones, {}, { businessCertified: true });
    expect(p.send(actors.partner, { type: 'APPLY', milestone: 1, materials: [{ name: 'M1 report', url: 'https://files.acme.example/m1.pdf' }] }).ok).toBe(true);
    // The submitter (a partner's person who is also a reviewer) is away; another reviewer stands in for them.
    const forSubmitter = { id: 'wang.reviewer', role: 'reviewer' as const, onBehalfOf: actors.partner.id };
    const refusal = refusalOf(p.send(forSubmitter, { type: 'APPROVE' }));
    expect(refusal).toMatchObject({ status: 403, code: 'four_eyes' });
    expect(refusal!.reason).toContain(actors.partner.id);
    const submitterForOther = { id: actors.partner.id, role: 'reviewer' as const, onBehalfOf: 'wang.reviewer' };
    expect(refusalOf(p.send(submitterForOther, { type: 'APPROVE' }))).toMatchObject({ status: 403, code: 'four_eyes' });
    const verdict = p.send({ id: 'wang.reviewer', role: 'reviewer', onBehalfOf: 'li.reviewer' }, { type: 'APPROVE' });
    expect(verdict.ok && verdict.event.actor).toEqual({ id: 'wang.reviewer', role: 'reviewer', onBehalfOf: 'li.reviewer' });
  });

  it('R24 every non-final state of every kind allows something and has labels in en and zh-CN', () => {
    for (const kind of Object.values(registry)) {
      for (const state of describeKind(kind).states) {
        expect(state.label.en, `${kind.name}.${state.id}`).toBeTruthy();
        expect(state.label['zh-CN'], `${kind.name}.${state.id}`).toMatch(/[\u4e00-\u9fff]/);
        if (!state.final) expect(state.allowed.length, `${kind.name}.${state.id}`).toBeGreaterThan(0);
      }
    }
  });
});
