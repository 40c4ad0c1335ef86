import fc from 'fast-check';
import type { AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ProcessKind } from '../machines/kind';
import { nreMilestones } from '../machines/nreMilestones';
import { describeStates } from '../machines/describe';
import { allowedActions, labelOf, waitingFor } from '../machines/policy';
import { registry } from '../machines/registry';
import type { Actor } from '../machines/types';
import { sampleFigures } from './support/bills';
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
  'partner-bill': fc.oneof(
    fc.constant({ type: 'CONFIRM' }),
    fc.record({ type: fc.constant('DISPUTE'), comment: fc.constantFrom('not ours', '') }),
    fc.constant({ type: 'ANSWER_DISPUTE', comment: 'it is' }),
    fc.constant({ type: 'APPLY_INCENTIVE_PAYOUT' }),
    fc.constant({ type: 'WITHDRAW' }),
    fc.record({ type: fc.constant('RECEIVE_INVOICE'), invoiceNumber: fc.constantFrom('FP-1', '') }),
  ),
  'customer-creation': fc.oneof(
    fc.constant({ type: 'RESEND_CODE' }),
    fc.record({ type: fc.constant('PHONE_VERIFIED'), verifiedBy: fc.constantFrom('zhao.customer', '') }),
    // Outcomes only the process's own operations may report.
    fc.constant({ type: 'CLOUD_ACCOUNT_OPENED', cloudAccountId: 'forged' }),
  ),
  'role-certification': fc.oneof(fc.constant({ type: 'SUBMIT' }), fc.constant({ type: 'APPROVE' }), fc.constant({ type: 'REJECT', comment: 'no' }), fc.constant({ type: 'WITHDRAW' })),
  'initiation-review': fc.oneof(
    fc.record({ type: fc.constant('SUBMIT'), solution: fc.constantFrom('Smart retail', '') }),
    fc.record({ type: fc.constant('APPLY_JOINT_DESIGN') }),
    fc.record({ type: fc.constant('APPROVE'), subject: fc.constantFrom('initiation', 'joint-design', 'other') }),
    fc.record({ type: fc.constant('REJECT'), subject: fc.constantFrom('initiation', 'joint-design'), comment: fc.constantFrom('fix it', '') }),
    { weight: 1, arbitrary: fc.constant({ type: 'WITHDRAW' }) },
  ),
  'delivery-evaluation': fc.oneof(
    fc.record({ type: fc.constant('SUBMIT_EVIDENCE'), evidence: fc.constantFrom([{ name: 'Sign-off', url: 'https://x.example/s' }], []) }),
    fc.record({ type: fc.constant('REQUEST_MORE'), comment: fc.constantFrom('more', '') }),
    fc.record({ type: fc.constant('CONCLUDE'), result: fc.constantFrom('passed', 'failed', 'maybe') }),
    fc.constant({ type: 'WITHDRAW' }),
  ),
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

/** What the driver feeds back after an operation outside the process, as its activity would answer. */
const outcomeOf = (operation: { name: string; input: Record<string, unknown> }, refuse: boolean) => {
  if (operation.name === 'openCloudAccount') return refuse ? { type: 'CLOUD_ACCOUNT_REFUSED', reason: 'name taken' } : { type: 'CLOUD_ACCOUNT_OPENED', cloudAccountId: 'ca-1' };
  if (operation.name === 'sendVerificationCode') return { type: 'CODE_SENT', phone: operation.input.phone };
  throw new Error(`No outcome known for operation ${operation.name}`);
};

/** Runs the operations a step asked for, as the driver would; outcomes may ask for more. */
function settle(p: ReturnType<typeof drive>, refuse: boolean) {
  for (let operations = p.operations; operations.length > 0; operations = p.operations) {
    const before = p.snapshot;
    for (const operation of operations) p.outcome(outcomeOf(operation, refuse));
    if (p.snapshot === before) break;
  }
}

const inputs: Record<string, unknown> = {
  'nre-milestones': {},
  'partner-onboarding': { companyName: 'Acme' },
  'business-certification': {},
  'role-certification': { role: 'system-integrator' },
  'initiation-review': { solution: 'Smart retail' },
  'delivery-evaluation': { project: 'Smart port', materials: [{ name: 'Handover', url: 'https://x.example/h' }] },
  'partner-bill': sampleFigures(),
  'customer-creation': { customerId: 'zhao-trading', name: 'Zhao Trading', phone: '+86 138 0000 0000' },
  disassociation: { associationType: 'resale', customerId: 'cust-qian' },
  'partner-payment': { orderId: 'ORD-1', product: 'ECS', orderType: 'cloud-service', amount: '10.00', currency: 'CNY' },
};

const steps = (kind: ProcessKind) =>
  fc.array(fc.tuple(anyActor, fc.oneof({ weight: 5, arbitrary: actionsOf[kind.name] }, { weight: 1, arbitrary: hostile }), fc.boolean()), { maxLength: 40 });

/** Kinds a customer starts: each walked as each of its starters would start it. */
const startedByCustomer = new Set(['disassociation', 'partner-payment']);
/** Who may start a kind, for walks that must reach every state: a disassociation takes a different path for each. */
const startersOf = (kind: ProcessKind): Actor[] =>
  kind.name === 'disassociation' ? [actors.customer, actors.partner] : kind.name === 'partner-payment' ? [actors.customer] : [actors.partner];

describe.each([
  ...Object.values(registry)
    .filter((kind) => !startedByCustomer.has(kind.name))
    .map((kind) => ({ kind, name: kind.name, startedBy: actors.partner as Actor })),
  { kind: registry.disassociation, name: 'disassociation asked by the customer', startedBy: actors.customer },
  { kind: registry.disassociation, name: 'disassociation applied for by the partner', startedBy: actors.partner },
  { kind: registry['partner-payment'], name: 'partner-payment', startedBy: actors.customer },
])('$name under random actions', ({ kind, startedBy }) => {
  it('R73 R72 a refusal never changes the snapshot; only allowed roles move it; an ended process stays ended', () => {
    fc.assert(
      fc.property(steps(kind), fc.boolean(), (sequence, certified) => {
        const p = drive(kind, inputs[kind.name], { businessCertified: certified }, startedBy);
        settle(p, !certified);
        for (const [actor, action, factArrives] of sequence) {
          if (factArrives) p.fact('businessCertified');
          const before = p.snapshot;
          const verdict = p.send(actor, action);
          if (!verdict.ok) {
            expect(p.snapshot).toBe(before);
            expect([403, 409, 422]).toContain(verdict.refusal.status);
            expect(verdict.refusal.reason.length).toBeGreaterThan(10);
          } else {
            settle(p, false);
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

  it('R24 the table of state × allowed events × role matches what the machine accepts in every state it reaches', () => {
    const table = describeStates(kind);
    const visited = new Set<string>();
    /** The rows of the active states (one per parallel region); what they allow together is what the process allows. */
    const rowsOf = (snapshot: AnyMachineSnapshot) =>
      table.filter((row) => snapshot.matches(row.id.split('.').reduceRight<any>((inner, key) => (inner === undefined ? key : { [key]: inner }), undefined)));
    fc.assert(
      // Long walks, so that every state is reached.
      fc.property(fc.array(fc.tuple(anyActor, actionsOf[kind.name]), { minLength: 20, maxLength: 60 }), fc.boolean(), fc.constantFrom(...startersOf(kind)), (sequence, refuse, starter) => {
        const p = drive(kind, inputs[kind.name], { businessCertified: true, realNameVerified: true, emailBound: true }, starter);
        // A state the driver leaves at once (waiting on an operation's outcome) is seen before the outcome arrives.
        rowsOf(p.snapshot).forEach((row) => visited.add(row.id));
        settle(p, refuse);
        for (const [actor, action] of sequence) {
          if (p.snapshot.status !== 'active') break;
          const rows = rowsOf(p.snapshot);
          expect(rows.length).toBeGreaterThan(0);
          rows.forEach((row) => visited.add(row.id));
          const listed = (type: string, role: string) => rows.some((row) => row.allowed.some((a) => a.event === type && (a.roles as readonly string[]).includes(role)));
          for (const who of Object.values(actors)) for (const allowed of allowedActions(kind, p.snapshot, who)) expect(listed(allowed.type, who.role), `${allowed.type} by ${who.role}`).toBe(true);
          // Whoever the process waits for has something to do (unless the role acts outside it, e.g. a customer entering an SMS code at its own route).
          for (const role of waitingFor(p.snapshot).filter((r) => Object.values(kind.events).some((e) => (e.roles as readonly string[]).includes(r))))
            expect(Object.values(actors).some((who) => who.role === role && allowedActions(kind, p.snapshot, who).length > 0)).toBe(true);
          const verdict = p.send(actor, action);
          if (verdict.ok) expect(listed(verdict.event.type, actor.role)).toBe(true);
          if (verdict.ok) settle(p, false);
        }
      }),
      // A fixed seed: which states the walks reach must not vary from run to run.
      { numRuns: 300, seed: 20261126 },
    );
    // The random walks reach every state of the table.
    expect([...visited].sort()).toEqual(table.filter((row) => !row.final).map((row) => row.id).sort());
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
      fc.property(steps(registry.disassociation), fc.boolean(), (sequence, byCustomer) => {
        const p = drive(registry.disassociation, inputs.disassociation, {}, byCustomer ? actors.customer : actors.partner);
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
      fc.property(steps(registry['partner-payment']), (sequence) => {
        const p = drive(registry['partner-payment'], inputs['partner-payment'], {}, actors.customer);
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
