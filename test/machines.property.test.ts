import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { businessCertification } from '../machines/businessCertification';
import { disassociation } from '../machines/disassociation';
import type { ProcessKind } from '../machines/kind';
import { nreMilestones } from '../machines/nreMilestones';
import { partnerOnboarding } from '../machines/partnerOnboarding';
import { partnerPayment } from '../machines/partnerPayment';
import { labelOf } from '../machines/policy';
import { roleCertification } from '../machines/roleCertification';
import type { Actor } from '../machines/types';
import { actors, drive } from './support/machine';

/** Random people sending random (mostly valid, sometimes hostile) actions, as the policy and driver would see them. */
const anyActor = fc.constantFrom<Actor>(actors.partner, actors.otherPartner, actors.reviewer, actors.system, actors.ops, actors.customer, actors.otherCustomer, {
  id: actors.partner.id,
  role: 'reviewer',
});

const hostile = fc.oneof(
  fc.record({ type: fc.string({ maxLength: 12 }) }),
  fc.record({ type: fc.constantFrom('APPLY', 'SUBMIT', 'APPROVE'), milestone: fc.anything(), comment: fc.anything() }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.anything(), { maxKeys: 4 }),
);

const actionsOf: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  'nre-milestones': fc.oneof(
    fc.record({ type: fc.constant('APPLY'), milestone: fc.constantFrom(1, 2, 3, 4) }),
    fc.constant({ type: 'APPROVE' }),
    fc.record({ type: fc.constant('REJECT'), comment: fc.constantFrom('incomplete', '') }),
    fc.constant({ type: 'WITHDRAW' }),
  ),
  'partner-onboarding': fc.oneof(
    fc.constant({ type: 'REAL_NAME_VERIFIED' }),
    fc.record({ type: fc.constant('BIND_EMAIL'), email: fc.constantFrom('it@acme.example', 'not-an-email') }),
    fc.record({ type: fc.constant('SUBMIT'), program: fc.constantFrom('solution-provider', 'other') }),
    fc.constant({ type: 'APPROVE' }),
    fc.constant({ type: 'REJECT', comment: 'fix it' }),
    fc.constant({ type: 'WITHDRAW' }),
  ),
  'business-certification': fc.oneof(
    fc.constant({ type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X' }),
    fc.constant({ type: 'APPROVE' }),
    fc.constant({ type: 'REJECT', comment: 'fix it' }),
    fc.constant({ type: 'WITHDRAW' }),
  ),
  'role-certification': fc.oneof(fc.constant({ type: 'SUBMIT' }), fc.constant({ type: 'APPROVE' }), fc.constant({ type: 'REJECT', comment: 'no' }), fc.constant({ type: 'WITHDRAW' })),
  disassociation: fc.oneof(
    fc.constantFrom({ type: 'AGREE' }, { type: 'DECLINE', comment: 'no' }, { type: 'DECLINE' }, { type: 'CANCEL_REQUEST' }),
    fc.constantFrom({ type: 'APPROVE' }, { type: 'REJECT', comment: 'unpaid orders' }, { type: 'APPLY', note: 'paid now' }, { type: 'WITHDRAW' }),
  ),
  'partner-payment': fc.constantFrom(
    { type: 'PAY' },
    { type: 'DECLINE' },
    { type: 'PAY_OTHER_WAY', method: 'online' },
    { type: 'VAT_INVOICE_ISSUED', invoiceNumber: '0440' },
    { type: 'UNSUBSCRIBE' },
    { type: 'CLOSE' },
  ),
};

const inputs: Record<string, unknown> = {
  'nre-milestones': {},
  'partner-onboarding': { companyName: 'Acme' },
  'business-certification': {},
  'role-certification': { role: 'system-integrator' },
  disassociation: { associationType: 'resale', customerId: 'cust-qian' },
  'partner-payment': { orderId: 'ORD-1', product: 'ECS', orderType: 'cloud-service', amount: '10.00', currency: 'CNY' },
};

const steps = (kind: ProcessKind) =>
  fc.array(fc.tuple(anyActor, fc.oneof({ weight: 5, arbitrary: actionsOf[kind.name] }, { weight: 1, arbitrary: hostile }), fc.boolean()), { maxLength: 40 });

describe.each([
  ...[nreMilestones, partnerOnboarding, businessCertification, roleCertification].map((kind) => ({ kind, name: kind.name, startedBy: actors.partner as Actor })),
  { kind: disassociation, name: 'disassociation asked by the customer', startedBy: actors.customer },
  { kind: disassociation, name: 'disassociation applied for by the partner', startedBy: actors.partner },
  { kind: partnerPayment, name: 'partner-payment', startedBy: actors.customer },
])('$name under random actions', ({ kind, startedBy }) => {
  it('R73 R72 a refusal never changes the snapshot; only allowed roles move it; an ended process stays ended', () => {
    fc.assert(
      fc.property(steps(kind), fc.boolean(), (sequence, certified) => {
        const p = drive(kind, inputs[kind.name], { businessCertified: certified }, startedBy);
        for (const [actor, action, factArrives] of sequence) {
          if (factArrives) p.fact('businessCertified');
          const before = p.snapshot;
          const verdict = p.send(actor, action);
          if (!verdict.ok) {
            expect(p.snapshot).toBe(before);
            expect([403, 409, 422]).toContain(verdict.refusal.status);
            expect(verdict.refusal.reason.length).toBeGreaterThan(10);
          } else {
            expect(before.status).toBe('active');
            expect(kind.events[verdict.event.type].roles).toContain(actor.role);
            if (actor.role === 'partner') expect(actor.partnerId).toBe('acme');
            if (actor.role === 'customer') expect(actor.customerId).toBe('cust-qian');
          }
          const label = labelOf(kind, p.snapshot);
          expect(label.en && label['zh-CN']).toBeTruthy();
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('nre-milestones invariants under random actions', () => {
  it('R11 R12 R13 milestones are accepted one at a time, in order, only by a reviewer other than the applicant', () => {
    fc.assert(
      fc.property(steps(nreMilestones), (sequence) => {
        const p = drive(nreMilestones, {}, { businessCertified: true });
        let accepted = 0;
        for (const [actor, action] of sequence) {
          const verdict = p.send(actor, action);
          const now = p.snapshot.context.accepted as number;
          if (now !== accepted) {
            expect(now).toBe(accepted + 1);
            expect(verdict.ok && verdict.event.type).toBe('APPROVE');
            expect(actor.id).not.toBe(actors.partner.id);
            accepted = now;
          }
          const application = p.snapshot.context.application as { milestone: number } | undefined;
          if (p.snapshot.matches('underReview')) expect(application?.milestone).toBe(accepted + 1);
        }
        if (p.snapshot.matches('accepted')) expect(accepted).toBe(3);
      }),
      { numRuns: 500 },
    );
  });
});

describe('disassociation and partner payment invariants under random actions', () => {
  it('R40 R41 a disassociation ends only by the partner agreeing to the customer, or a pre-review passed by someone other than the applicant', () => {
    fc.assert(
      fc.property(steps(disassociation), fc.boolean(), (sequence, byCustomer) => {
        const p = drive(disassociation, inputs.disassociation, {}, byCustomer ? actors.customer : actors.partner);
        for (const [actor, action] of sequence) {
          const verdict = p.send(actor, action);
          if (verdict.ok && p.snapshot.matches('disassociated')) {
            if (byCustomer) expect([verdict.event.type, actor.role]).toEqual(['AGREE', 'partner']);
            else {
              expect([verdict.event.type, actor.role]).toEqual(['APPROVE', 'reviewer']);
              expect(actor.id).not.toBe(actors.partner.id);
            }
            expect(p.snapshot.context.consequences).toMatchObject({ refunds: { destination: 'partner-account' }, vouchers: { vendorIssued: 'remain-usable' } });
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('R51 an order with an issued VAT invoice is never unsubscribed', () => {
    fc.assert(
      fc.property(steps(partnerPayment), (sequence) => {
        const p = drive(partnerPayment, inputs['partner-payment'], {}, actors.customer);
        for (const [actor, action] of sequence) {
          const invoiced = !!p.snapshot.context.vatInvoice;
          p.send(actor, action);
          if (invoiced) expect(p.snapshot.matches('unsubscribed')).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});
