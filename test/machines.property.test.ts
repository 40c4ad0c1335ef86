import fc from 'fast-check';
import type { AnyMachineSnapshot } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ProcessKind } from '../machines/kind';
import { describeStates } from '../machines/describe';
import { allowedActions, labelOf, waitingFor } from '../machines/policy';
import { registry } from '../machines/registry';
import type { Actor } from '../machines/types';
import { fixtures } from './support/fixtures';
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

/** Every valid payload and every invalid one of the kind's fixture table, as actions. */
const actionsOf = (kind: ProcessKind): fc.Arbitrary<Record<string, unknown> & { type: string }> => {
  const { valid, invalid } = fixtures[kind.name];
  return fc.constantFrom(...Object.entries(valid).map(([variant, payload]) => ({ ...payload, type: variant.split('#')[0] })), ...invalid);
};

/**
 * An action as sent: often with the values a guard expects now (the next milestone, a pending review's
 * subject), as the API suggests them to callers, so that walks get past the first step.
 */
const withSuggestion = (kind: ProcessKind, snapshot: AnyMachineSnapshot, action: Record<string, unknown> & { type: string }, pick: number | undefined) => {
  if (pick === undefined || snapshot.status !== 'active') return action;
  const suggested = kind.suggest?.(snapshot, action.type);
  const params = Array.isArray(suggested) ? suggested[pick % suggested.length] : suggested;
  return params ? { ...action, ...params } : action;
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

const inputs: Record<string, unknown> = Object.fromEntries(Object.entries(fixtures).map(([name, f]) => [name, f.start('cust-qian')]));
const nreMilestones = registry['nre-milestones'];

const steps = (kind: ProcessKind) =>
  fc.array(fc.tuple(anyActor, fc.oneof({ weight: 5, arbitrary: actionsOf(kind) }, { weight: 1, arbitrary: hostile }), fc.boolean(), fc.option(fc.nat(3), { nil: undefined })), { maxLength: 40 });

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
        for (const [actor, action, factArrives, pick] of sequence) {
          if (factArrives) p.fact('businessCertified');
          const before = p.snapshot;
          const verdict = p.send(actor, withSuggestion(kind, p.snapshot, action as { type: string }, pick));
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
      fc.property(fc.array(fc.tuple(anyActor, actionsOf(kind), fc.option(fc.nat(3), { nil: undefined })), { minLength: 20, maxLength: 60 }), fc.boolean(), fc.constantFrom(...startersOf(kind)), (sequence, refuse, starter) => {
        const p = drive(kind, inputs[kind.name], { businessCertified: true, realNameVerified: true, emailBound: true }, starter);
        // A state the driver leaves at once (waiting on an operation's outcome) is seen before the outcome arrives.
        rowsOf(p.snapshot).forEach((row) => visited.add(row.id));
        settle(p, refuse);
        for (const [actor, action, pick] of sequence) {
          if (p.snapshot.status !== 'active') break;
          const rows = rowsOf(p.snapshot);
          expect(rows.length).toBeGreaterThan(0);
          rows.forEach((row) => visited.add(row.id));
          const listed = (type: string, role: string) => rows.some((row) => row.allowed.some((a) => a.event === type && (a.roles as readonly string[]).includes(role)));
          for (const who of Object.values(actors)) for (const allowed of allowedActions(kind, p.snapshot, who)) expect(listed(allowed.type, who.role), `${allowed.type} by ${who.role}`).toBe(true);
          // Whoever the process waits for has something to do (unless the role acts outside it, e.g. a customer entering an SMS code at its own route).
          for (const role of waitingFor(p.snapshot).filter((r) => Object.values(kind.events).some((e) => (e.roles as readonly string[]).includes(r))))
            expect(Object.values(actors).some((who) => who.role === role && allowedActions(kind, p.snapshot, who).length > 0)).toBe(true);
          const verdict = p.send(actor, withSuggestion(kind, p.snapshot, action, pick));
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
        for (const [actor, action, , pick] of sequence) {
          const verdict = p.send(actor, withSuggestion(nreMilestones, p.snapshot, action as { type: string }, pick));
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
        for (const [actor, action, , pick] of sequence) {
          const verdict = p.send(actor, withSuggestion(registry.disassociation, p.snapshot, action as { type: string }, pick));
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
    const kind = registry['partner-payment'];
    // Mostly sent by someone who may send it, so that walks reach a paid and invoiced order.
    const rightful = (type: string) => Object.values(actors).find((a) => (kind.events[type].roles as readonly string[]).includes(a.role))!;
    const walks = fc.array(
      fc.tuple(actionsOf(kind), fc.nat(4), anyActor).map(([action, chance, other]) => [chance > 0 ? rightful(action.type) : other, action] as const),
      { maxLength: 16 },
    );
    let unsubscribeTriedWhileInvoiced = 0;
    fc.assert(
      fc.property(walks, (sequence) => {
        const p = drive(registry['partner-payment'], inputs['partner-payment'], {}, actors.customer);
        for (const [actor, action] of sequence) {
          const invoiced = !!p.snapshot.context.vatInvoice;
          if (invoiced && (action as { type: string }).type === 'UNSUBSCRIBE' && actor.role === 'customer') unsubscribeTriedWhileInvoiced++;
          p.send(actor, action);
          if (invoiced) expect(p.snapshot.matches('unsubscribed')).toBe(false);
        }
        if (p.snapshot.context.vatInvoice) expect(p.snapshot.matches({ paid: 'invoiced' }) || p.snapshot.matches('closed')).toBe(true);
      }),
      { numRuns: 300, seed: 20261201 },
    );
    // The walks reached an invoiced order and its customer tried to unsubscribe it: the property was put to the test.
    expect(unsubscribeTriedWhileInvoiced).toBeGreaterThan(0);
  });
});
