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
  const start = { processId: who.processId, partnerId: 'acme', startedBy, at, input, facts: { ...noFacts, ...facts }, settings: defaultSettings };
  let last: StepResult = startStep(kind, who, start, now);
  const steps: StepResult[] = [last];
  const pending = new Map<string, { id: string; event: { type: string }; dueAt: number }>();
  const track = (timers: StepResult['timers']) => {
    for (const change of timers) 'start' in change ? pending.set(change.start, { id: change.start, event: change.event, dueAt: change.dueAt }) : pending.delete(change.cancel);
  };
  track(last.timers);
  const apply = (event: StampedEvent, cause = {}) => {
    steps.push((last = step(kind, who, last.snapshot, last.seq, event, cause, now)));
    track(last.timers);
  };
  return {
    get snapshot(): AnyMachineSnapshot {
      return last.snapshot;
    },
    /** What the process was started with. */
    start,
    /** Its records so far, as the records store would keep them (R71). */
    get records() {
      return steps.map((s) => s.record);
    },
    /** The timers pending now, as the driver would keep them. */
    get timers() {
      return [...pending.values()];
    },
    /** A pending timer fires, as the driver feeds it. */
    fire(type: string) {
      pending.delete(type);
      apply({ type, actor: actors.system, at } as StampedEvent, { name: type.split('.')[2] });
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
