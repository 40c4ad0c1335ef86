import type { AnyMachineSnapshot } from 'xstate';
import { defaultSettings, type ProcessKind } from '../../machines/kind';
import { judge, type StampedEvent, type Verdict } from '../../machines/policy';
import { noFacts, type Actor, type PartnerFacts } from '../../machines/types';
import { startStep, step, type ProcessIdentity, type StepResult } from '../../workflows/step';

export const actors = {
  partner: { id: 'alice@acme', role: 'partner', partnerId: 'acme' },
  otherPartner: { id: 'bob@globex', role: 'partner', partnerId: 'globex' },
  reviewer: { id: 'li.reviewer', role: 'reviewer' },
  system: { id: 'system', role: 'system' },
  ops: { id: 'ops', role: 'ops' },
  /** A customer of acme, and another one. */
  customer: { id: 'qian', role: 'customer', customerId: 'cust-qian', partnerId: 'acme' },
  otherCustomer: { id: 'sun', role: 'customer', customerId: 'cust-sun', partnerId: 'acme' },
} satisfies Record<string, Actor>;

const at = '2026-11-26T04:00:00.000Z';
const now = Date.parse(at);

/**
 * A process driven purely, by the driver's own `step` (judge, then step), without Temporal: for the
 * machines' own unit and property tests. `last` is the last step, with its record, messages and effects.
 */
export function drive(kind: ProcessKind, input: unknown, facts: Partial<PartnerFacts> = {}, startedBy: Actor = actors.partner) {
  const who: ProcessIdentity = { processId: `${kind.name}:acme`, partnerId: 'acme', businessKey: null, startedBy, createdAt: at };
  let last: StepResult = startStep(kind, who, { processId: who.processId, partnerId: 'acme', startedBy, at, input, facts: { ...noFacts, ...facts }, settings: defaultSettings }, now);
  const apply = (event: StampedEvent) => (last = step(kind, who, last.snapshot, last.seq, event, {}, now));
  return {
    get snapshot(): AnyMachineSnapshot {
      return last.snapshot;
    },
    /** The last step: its record, messages, announcements, operations and timers. */
    get last(): StepResult {
      return last;
    },
    /** Sends an action as `actor`; applies it only if the policy accepts it. */
    send(actor: Actor, action: Record<string, unknown>): Verdict {
      const verdict = judge(kind, last.snapshot, action, actor, at);
      if (verdict.ok) apply(verdict.event);
      return verdict;
    },
    /** The operations (`perform`) the last step asked for, which the driver would run as activities. */
    get operations() {
      return last.operations;
    },
    /** An operation's outcome, fed back as the driver does: sent by the system, past the policy. */
    outcome(event: Record<string, unknown> & { type: string }) {
      const stamped = { ...event, actor: actors.system, at } as StampedEvent;
      if (last.snapshot.status === 'active' && last.snapshot.can(stamped)) apply(stamped);
    },
    fact(fact: keyof PartnerFacts, value = true) {
      apply({ type: 'FACT', fact, value, actor: actors.system, at });
    },
  };
}
