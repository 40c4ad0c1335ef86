import { initialTransition, transition, type AnyMachineSnapshot, type StateValue } from 'xstate';
import type { ProcessKind, Snapshotish } from './kind';
import { activeNodes, judge, stateKey } from './policy';
import type { Actor, Role } from './types';

/**
 * Moving a running process from one version of its kind to another, as pure functions: whether it can
 * move now and where to (`planMove`), what it becomes (`moveSnapshot`), and whether its past would have
 * passed under the new rules (`whatIf`). The migration plan (dry run), the driver's `migrate` Update and
 * its validator all ask these, so what ops were shown is what is applied.
 */

/** Ops' renaming of states the versions do not share: `{ "moreMaterialsRequested": "rejected" }`, by state key. */
export type StateMapping = Record<string, string>;

/** A pending `after` delay of the process, as the driver keeps it. */
export interface PendingTimer {
  id: string;
  event: { type: string };
  dueAt: number;
}

export type MoveVerdict =
  | { verdict: 'moves'; snapshot: Snapshotish; toState: string; timers: PendingTimer[] }
  | { verdict: 'stays'; code: string; reason: string };

const stays = (code: string, reason: string): MoveVerdict => ({ verdict: 'stays', code, reason });

/** The snapshot mapped version by version from `from` to `to` with each kind's own `migrate`, then by the plan's state mapping. */
export function moveSnapshot(versions: readonly ProcessKind[], from: number, to: number, snapshot: Snapshotish, mapping: StateMapping = {}): Snapshotish {
  let moved = snapshot;
  for (let v = from; v < to; v++) moved = versions.find((k) => k.version === v + 1)?.migrate?.up(moved) ?? moved;
  for (let v = from; v > to; v--) moved = versions.find((k) => k.version === v)?.migrate?.down(moved) ?? moved;
  const mapped = mapValue(moved.value, mapping);
  return mapped === moved.value ? moved : { ...moved, value: mapped };
}

/** Renames the states the mapping names: a whole state key (`a.b`), or a top-level state and all below it. */
function mapValue(value: StateValue, mapping: StateMapping): StateValue {
  const key = stateKey(value);
  if (Object.hasOwn(mapping, key)) return valueOf(mapping[key]);
  if (typeof value === 'string') return value;
  return Object.fromEntries(Object.entries(value).map(([region, sub]) => [region, sub === undefined ? sub : (mapValue(sub as StateValue, prefixed(mapping, region)) as any)]));
}

/** The mapping entries under a region, without the region's prefix. */
const prefixed = (mapping: StateMapping, region: string): StateMapping =>
  Object.fromEntries(Object.entries(mapping).filter(([k]) => k.startsWith(`${region}.`)).map(([k, v]) => [k.slice(region.length + 1), v.startsWith(`${region}.`) ? v.slice(region.length + 1) : v]));

/** `a.b` → `{ a: 'b' }`. */
const valueOf = (key: string): StateValue => key.split('.').reduceRight<StateValue | undefined>((inner, part) => (inner === undefined ? part : { [part]: inner }), undefined)!;

/** The snapshot of `kind` at `value`, or why there is none (a state that does not exist in that version). */
function resolve(kind: ProcessKind, snapshot: Snapshotish): AnyMachineSnapshot | string {
  try {
    const resolved = kind.machine.resolveState({ value: snapshot.value, context: snapshot.context as any });
    // XState fills in initial children of a compound state; a moved process must be in exactly the state it names.
    if (stateKey(resolved.value) !== stateKey(snapshot.value)) return `its state "${stateKey(snapshot.value)}" is not a resting state of v${kind.version}`;
    return resolved;
  } catch {
    return `its state "${stateKey(snapshot.value)}" has no counterpart in v${kind.version}`;
  }
}

/** Where a pending timer goes in the moved snapshot: the active state that has the same `after` delay, or nowhere. */
function placeTimer(target: AnyMachineSnapshot, timer: PendingTimer): PendingTimer | undefined {
  // `xstate.after.<delay>.<state node id>`
  const match = /^xstate\.after\.([^.]+)\.(.+)$/.exec(timer.event.type);
  if (!match) return undefined;
  const delay = match[1];
  for (const node of activeNodes(target)) {
    if ((node.after ?? []).some((t: { delay: unknown }) => t.delay === delay)) {
      const type = `xstate.after.${delay}.${node.id}`;
      return { id: type, event: { type }, dueAt: timer.dueAt };
    }
  }
  return undefined;
}

/** Whether a process of `from` at `snapshot` can move to `to` now, and what it becomes there. */
export function planMove(
  versions: readonly ProcessKind[],
  from: ProcessKind,
  to: ProcessKind,
  snapshot: Snapshotish & { done?: boolean },
  timers: PendingTimer[],
  options: { mapping?: StateMapping; busy?: boolean } = {},
): MoveVerdict {
  if (snapshot.done) return stays('process_ended', 'The process has ended: there is nothing left to move.');
  if (from.version === to.version) return stays('already_on_version', `The process already runs on v${to.version}.`);
  if (options.busy) return stays('update_in_flight', 'An action is being applied to the process right now; it can move once that is recorded.');
  const moved = moveSnapshot(versions, from.version, to.version, snapshot, options.mapping);
  const target = resolve(to, moved);
  if (typeof target === 'string')
    return stays('no_counterpart', `It cannot move to v${to.version}: ${target}. Give the plan a mapping for it, e.g. { "mapping": { "${stateKey(moved.value)}": "<a state of v${to.version}>" } }.`);
  if (target.status !== 'active') return stays('no_counterpart', `Its state "${stateKey(moved.value)}" ends the process in v${to.version}; a running process is not ended by a migration.`);
  const placed: PendingTimer[] = [];
  for (const timer of timers) {
    const place = placeTimer(target, timer);
    if (!place) return stays('timer_without_place', `Its pending timer "${timer.event.type.split('.')[2] ?? timer.id}" has no place in state "${stateKey(moved.value)}" of v${to.version}.`);
    placed.push(place);
  }
  return { verdict: 'moves', snapshot: { value: target.value, context: target.context }, toState: stateKey(target.value), timers: placed };
}

/** One recorded step of a process, as the records store keeps it. */
export interface PastStep {
  seq: number;
  at: string;
  actorId: string;
  role: Role;
  event: string;
  to: string;
  comment?: string;
  payload?: Record<string, unknown>;
}

/** The first of a process's recorded events that the new version would have refused or routed elsewhere, if any. */
export interface WhatIf {
  /** How many recorded steps were replayed under the new version. */
  replayed: number;
  firstDifference?: { seq: number; event: string; at: string; actor: string; outcome: 'refused' | 'elsewhere'; code?: string; reason: string };
}

/**
 * Replays a process's recorded events, from its start, through version `to`: each person's action is
 * judged by the new rules as it would have been then (by the same person, at the same time), timers and
 * facts are fed as they came. The first that would have been refused, or led to another state than the
 * one recorded (mapped as the plan maps it), is named.
 */
export function whatIf(
  to: ProcessKind,
  start: { processId: string; partnerId: string; startedBy: Actor; at: string; input: unknown; facts: Record<string, boolean>; settings: unknown },
  past: PastStep[],
  mapping: StateMapping = {},
): WhatIf {
  const startStep = past.find((s) => s.event === 'START');
  if (!startStep) return { replayed: 0 };
  let [snapshot] = initialTransition(to.machine, start);
  let replayed = 0;
  const differs = (step: PastStep, outcome: 'refused' | 'elsewhere', reason: string, code?: string): WhatIf => ({
    replayed,
    firstDifference: { seq: step.seq, event: step.event, at: step.at, actor: step.actorId, outcome, ...(code ? { code } : {}), reason },
  });
  const expected = (recorded: string) => (Object.hasOwn(mapping, recorded) ? mapping[recorded] : recorded);
  if (stateKey(snapshot.value) !== expected(startStep.to)) return differs(startStep, 'elsewhere', `v${to.version} opens in "${stateKey(snapshot.value)}", not "${startStep.to}".`);
  for (const step of past) {
    if (step.seq <= startStep.seq) continue;
    const actor: Actor = { id: step.actorId, role: step.role, partnerId: start.partnerId, ...customerOf(snapshot) };
    const timer = activeDelay(snapshot, step.event);
    let event: Record<string, unknown> & { type: string; actor: Actor; at: string };
    if (timer) event = { type: timer, actor, at: step.at };
    else if (step.event === 'FACT' || (to.events[step.event] && to.events[step.event].roles.length === 0) || step.event === 'MIGRATED') {
      // Facts and outcomes of the process's own work are not judged: they happened. A migration is no event of the machine.
      if (step.event === 'MIGRATED') continue;
      event = { ...(step.payload ?? {}), type: step.event, actor, at: step.at };
      if (!snapshot.can(event)) continue;
    } else {
      const action = { ...(step.payload ?? {}), ...(step.comment !== undefined ? { comment: step.comment } : {}), type: step.event };
      const verdict = judge(to, snapshot, action, actor, step.at);
      if (!verdict.ok) return differs(step, 'refused', verdict.refusal.reason, verdict.refusal.code);
      event = verdict.event;
    }
    [snapshot] = transition(to.machine, snapshot, event);
    replayed++;
    if (stateKey(snapshot.value) !== expected(step.to))
      return differs(step, 'elsewhere', `Under v${to.version} it would have led to "${stateKey(snapshot.value)}", not "${step.to}".`);
  }
  return { replayed };
}

/** A customer acting on this process acts for the customer it is about. */
const customerOf = (snapshot: AnyMachineSnapshot) => {
  const customerId = (snapshot.context as { customerId?: string }).customerId;
  return customerId ? { customerId } : {};
};

/** The full event type of a named delay pending in one of the active states, e.g. `xstate.after.reviewReminder.nre-milestones.underReview`. */
function activeDelay(snapshot: AnyMachineSnapshot, delay: string): string | undefined {
  for (const node of activeNodes(snapshot)) if ((node.after ?? []).some((t: { delay: unknown }) => t.delay === delay)) return `xstate.after.${delay}.${node.id}`;
  return undefined;
}
