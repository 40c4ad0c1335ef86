import type { AnyMachineSnapshot } from 'xstate';
import { describeStates } from '../../machines/describe';
import type { ProcessKind } from '../../machines/kind';
import type { Actor, Role } from '../../machines/types';
import { startInputs, validPayloads } from './fixtures';
import { actors, drive } from './machine';

export { startInputs, validPayloads };

/**
 * Paths to every state of a kind, found on the pure machine (breadth first, as the driver would move it),
 * so that HTTP tests can put real processes into each state by replaying a path over the API.
 */

/** Who starts a kind: each of its starters, since some take a different path (a disassociation). */
export const startersOf = (kind: ProcessKind): Role[] => [...kind.startRoles];

const pureActor: Record<Role, Actor> = {
  partner: actors.partner,
  reviewer: actors.reviewer,
  customer: actors.customer,
  system: actors.system,
  ops: actors.ops,
  manager: { id: 'mei@acme', role: 'manager', partnerId: 'acme' },
};

export interface Step {
  role: Role;
  action: Record<string, unknown> & { type: string };
}

export interface StatePath {
  /** The rows of describeStates the process rests in (one per parallel region). */
  rows: string[];
  starter: Role;
  steps: Step[];
  /** The pure snapshot at the end of the path: its guard values suggest payloads. */
  snapshot: AnyMachineSnapshot;
}

/** The payloads of `variant` (`CONCLUDE`, `CONCLUDE#failed`) the machine would accept now: the default with each of the kind's suggestions. */
export function payloadsFor(kind: ProcessKind, snapshot: AnyMachineSnapshot, variant: string): Array<Record<string, unknown> & { type: string }> {
  const type = variant.split('#')[0];
  const suggested = snapshot.status === 'active' ? kind.suggest?.(snapshot, type) : undefined;
  const list = Array.isArray(suggested) ? suggested : [suggested];
  return list.map((params) => ({ ...validPayloads[kind.name][variant], ...(params ?? {}), type }));
}

/** The payload variants of an event (`CONCLUDE` and `CONCLUDE#failed`). */
export const variantsOf = (kind: ProcessKind, type: string) => Object.keys(validPayloads[kind.name]).filter((v) => v.split('#')[0] === type);

/** Operations' outcomes, as the driver's activities would answer (an account opens; a code is sent). */
function settle(p: ReturnType<typeof drive>) {
  for (let ops = p.operations, i = 0; ops.length > 0 && i < 10; ops = p.operations, i++) {
    for (const op of ops) {
      if (op.name === 'openCloudAccount') p.outcome({ type: 'CLOUD_ACCOUNT_OPENED', cloudAccountId: 'ca-1' });
      else if (op.name === 'sendVerificationCode') p.outcome({ type: 'CODE_SENT', phone: op.input.phone });
    }
  }
}

export const rowsOf = (kind: ProcessKind, snapshot: AnyMachineSnapshot) =>
  describeStates(kind)
    .filter((row) => snapshot.matches(row.id.split('.').reduceRight<any>((inner, key) => (inner === undefined ? key : { [key]: inner }), undefined)))
    .map((row) => row.id);

/** A process driven purely along `steps` from its start (operations answered as the driver would); undefined if a step is refused. */
function replayPath(kind: ProcessKind, customerId: string, starter: Role, steps: Step[]) {
  const p = drive(kind, startInputs(customerId)[kind.name], { businessCertified: true }, pureActor[starter]);
  settle(p);
  for (const step of steps) {
    const verdict = p.send(pureActor[step.role], step.action);
    if (!verdict.ok) return undefined;
    settle(p);
  }
  return p.snapshot;
}

/** The next steps the kind's fixture offers from `snapshot`: every valid payload, sent by every role that may. */
const nextSteps = (kind: ProcessKind, snapshot: AnyMachineSnapshot, steps: Step[]) =>
  Object.keys(validPayloads[kind.name])
    .filter((v) => Object.hasOwn(kind.events, v.split('#')[0]))
    .flatMap((variant) => payloadsFor(kind, snapshot, variant))
    .flatMap((action) => kind.events[action.type].roles.map((role) => [...steps, { role: role as Role, action }]));

/** The shortest continuation (by events sent) of a path that ends the process, or undefined if none within 10 steps. */
export function pathToEnd(kind: ProcessKind, starter: Role, prefix: Step[], customerId = 'cust-qian'): Step[] | undefined {
  const queue: Step[][] = [prefix];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const steps = queue.shift()!;
    const snapshot = replayPath(kind, customerId, starter, steps);
    if (!snapshot) continue;
    if (snapshot.status !== 'active') return steps.slice(prefix.length);
    const config = `${JSON.stringify(snapshot.value)}#${JSON.stringify(snapshot.context)}`;
    if (seen.has(config) || steps.length - prefix.length >= 10) continue;
    seen.add(config);
    queue.push(...nextSteps(kind, snapshot, steps));
  }
  return undefined;
}

/** The shortest path (by events sent) to a resting configuration holding each row reachable by events. */
export function pathsToEveryState(kind: ProcessKind, customerId = 'cust-qian'): StatePath[] {
  const found = new Map<string, StatePath>();
  const queue: Array<{ starter: Role; steps: Step[] }> = startersOf(kind).map((starter) => ({ starter, steps: [] }));
  const seenConfigs = new Set<string>();
  const replay = (starter: Role, steps: Step[]) => replayPath(kind, customerId, starter, steps);
  while (queue.length > 0) {
    const { starter, steps } = queue.shift()!;
    const snapshot = replay(starter, steps);
    if (!snapshot) continue;
    const rows = rowsOf(kind, snapshot);
    // Rows and context: the same state with other facts (an email bound, a milestone passed) leads elsewhere.
    const config = `${rows.join('|')}#${JSON.stringify(snapshot.context)}`;
    if (seenConfigs.has(config)) continue;
    seenConfigs.add(config);
    if (rows.some((row) => ![...found.values()].some((path) => path.rows.includes(row)))) found.set(rows.join('|'), { rows, starter, steps, snapshot });
    if (snapshot.status !== 'active' || steps.length >= 8 || seenConfigs.size > 3000) continue;
    for (const next of nextSteps(kind, snapshot, steps)) queue.push({ starter, steps: next });
  }
  return [...found.values()];
}
