import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { defaultSettings, type ProcessKind } from '../../machines/kind';
import { judge, type Verdict } from '../../machines/policy';
import { noFacts, type Actor, type PartnerFacts } from '../../machines/types';

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

/**
 * A process driven purely, as the workflow drives it (judge, then transition), without Temporal:
 * for the machines' own unit and property tests.
 */
export function drive(kind: ProcessKind, input: unknown, facts: Partial<PartnerFacts> = {}, startedBy: Actor = actors.partner) {
  let [snapshot, actions] = initialTransition(kind.machine, {
    processId: `${kind.name}:acme`,
    partnerId: 'acme',
    startedBy,
    at: '2026-11-26T04:00:00.000Z',
    input,
    facts: { ...noFacts, ...facts },
    settings: defaultSettings,
  });
  return {
    get snapshot(): AnyMachineSnapshot {
      return snapshot;
    },
    get actions(): ReadonlyArray<{ type: string; params?: unknown }> {
      return actions;
    },
    /** Sends an action as `actor`; applies it only if the policy accepts it. */
    send(actor: Actor, action: Record<string, unknown>): Verdict {
      const verdict = judge(kind, snapshot, action, actor, '2026-11-26T04:00:00.000Z');
      if (verdict.ok) [snapshot, actions] = transition(kind.machine, snapshot, verdict.event);
      return verdict;
    },
    /** The operations (`perform`) the last step asked for, which the driver would run as activities. */
    get operations(): Array<{ name: string; input: Record<string, unknown> }> {
      return (actions as ReadonlyArray<{ type: string; params?: unknown }>).filter((a) => a.type === 'perform').map((a) => a.params as { name: string; input: Record<string, unknown> });
    },
    /** An operation's outcome, fed back as the driver does: sent by the system, past the policy. */
    outcome(event: Record<string, unknown> & { type: string }) {
      const stamped = { ...event, actor: actors.system, at: '2026-11-26T04:00:00.000Z' };
      if (snapshot.status === 'active' && snapshot.can(stamped)) [snapshot, actions] = transition(kind.machine, snapshot, stamped);
    },
    fact(fact: keyof PartnerFacts, value = true) {
      [snapshot, actions] = transition(kind.machine, snapshot, { type: 'FACT', fact, value, actor: actors.system, at: '2026-11-26T04:00:00.000Z' });
    },
  };
}
