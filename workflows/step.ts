import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { ProcessKind, StartInput } from '../machines/kind';
import type { Operation } from '../machines/operations';
import { stateKey, type StampedEvent } from '../machines/policy';
import type { Actor, Announcement, NotifyParams } from '../machines/types';
import type { ProcessRow, TransitionRecord } from '../store/model';
import { opsViewOf, type OpsView } from './opsView';

/**
 * One step of a process, as a pure function: the machine's next snapshot and everything the driver must
 * do about it (the record, the records store's row, messages, announcements, operations, timers). The
 * workflow only carries these out; tests drive processes through the same function.
 */

/** What does not change while a process runs: who it is and who started it. */
export interface ProcessIdentity {
  processId: string;
  partnerId: string;
  businessKey: string | null;
  startedBy: Actor;
  /** ISO UTC. */
  createdAt: string;
}

/** A durable timer to start (an `after` delay) or to cancel (its state was left), in the order the machine asked. */
export type TimerChange = { start: string; event: { type: string }; dueAt: number } | { cancel: string };

export interface StepResult {
  snapshot: AnyMachineSnapshot;
  seq: number;
  record: TransitionRecord;
  /** What ops and the inbox see of the process now. */
  view: OpsView;
  row: ProcessRow;
  notifications: Array<NotifyParams & { seq: number }>;
  announcements: Announcement[];
  operations: Operation[];
  timers: TimerChange[];
}

/** How the step came about, for its record: the event's name there, why it happened when nobody sent it, and the Update. */
export interface StepCause {
  name?: string;
  reason?: string;
  /** The Update id the caller chose (actor + Idempotency-Key), kept with the record. */
  updateId?: string;
}

/** The process at `snapshot` after its step number `seq`, as the records store keeps it. */
export function rowOf(kind: ProcessKind, who: ProcessIdentity, snapshot: AnyMachineSnapshot, seq: number, view: OpsView, now: number): ProcessRow {
  return {
    id: who.processId,
    kind: kind.name,
    kindVersion: kind.version,
    partnerId: who.partnerId,
    customerId: (snapshot.context as { customerId?: string }).customerId ?? null,
    businessKey: who.businessKey,
    state: view.state,
    stateValue: snapshot.value,
    context: snapshot.context,
    label: view.label,
    done: view.done,
    version: seq,
    waitingFor: view.waitingFor,
    dueAt: view.dueAt,
    startedBy: who.startedBy.id,
    createdAt: who.createdAt,
    updatedAt: new Date(now).toISOString(),
  };
}

/** The effects a transition asked for, sorted by what the driver does with each. */
function effectsOf(actions: readonly { type: string; params?: unknown }[], seq: number, now: number) {
  const notifications: StepResult['notifications'] = [];
  const announcements: Announcement[] = [];
  const operations: Operation[] = [];
  const timers: TimerChange[] = [];
  for (const action of actions) {
    const params = action.params as Record<string, any>;
    if (action.type === 'notify') notifications.push({ ...(params as NotifyParams), seq });
    else if (action.type === 'announce') announcements.push(params as Announcement);
    else if (action.type === 'perform') operations.push(params as Operation);
    else if (action.type === 'xstate.raise' && params?.delay !== undefined) timers.push({ start: params.id, event: params.event, dueAt: now + params.delay });
    else if (action.type === 'xstate.cancel') timers.push({ cancel: params.sendId });
  }
  return { notifications, announcements, operations, timers };
}

/** Builds the step from a transition already computed: `from` is the state before (null at the start). */
function stepFrom(
  kind: ProcessKind,
  who: ProcessIdentity,
  event: StampedEvent,
  cause: StepCause,
  from: string | null,
  seq: number,
  next: AnyMachineSnapshot,
  actions: readonly { type: string; params?: unknown }[],
  now: number,
): StepResult {
  const { type, actor, at, comment, ...payload } = event;
  const record: TransitionRecord = {
    processId: who.processId,
    seq,
    at,
    actorId: actor.id,
    ...(actor.onBehalfOf ? { onBehalfOf: actor.onBehalfOf } : {}),
    role: actor.role,
    event: cause.name ?? type,
    from,
    to: stateKey(next.value),
    ...(typeof comment === 'string' ? { comment } : {}),
    ...(cause.reason ? { reason: cause.reason } : {}),
    ...(Object.keys(payload).length ? { payload } : {}),
    ...(cause.updateId ? { updateId: cause.updateId } : {}),
  };
  const view = opsViewOf(kind, next);
  return { snapshot: next, seq, record, view, row: rowOf(kind, who, next, seq, view, now), ...effectsOf(actions, seq, now) };
}

/** The first step: the machine's opening state for this start, recorded as START by whoever started it. */
export function startStep(kind: ProcessKind, who: ProcessIdentity, start: StartInput, now: number): StepResult {
  const [first, actions] = initialTransition(kind.machine, start);
  const event = { type: 'START', ...(start.input as object), actor: who.startedBy, at: who.createdAt } as StampedEvent;
  return stepFrom(kind, who, event, { name: 'START' }, null, 0, first, actions, now);
}

/** The step an accepted event makes from `snapshot`, the process's step number `seq`. */
export function step(kind: ProcessKind, who: ProcessIdentity, snapshot: AnyMachineSnapshot, seq: number, event: StampedEvent, cause: StepCause, now: number): StepResult {
  const [next, actions] = transition(kind.machine, snapshot, event);
  return stepFrom(kind, who, event, cause, stateKey(snapshot.value), seq + 1, next, actions, now);
}

/** The step a migration makes: the process now runs on `kind` (another version), in state `snapshot`, recorded as MIGRATED by the ops actor (R71). */
export function migrationStep(
  kind: ProcessKind,
  who: ProcessIdentity,
  snapshot: AnyMachineSnapshot,
  seq: number,
  move: { fromVersion: number; fromState: string; actor: Actor; at: string; migrationId: string; mapping?: Record<string, string> },
  now: number,
): StepResult {
  const view = opsViewOf(kind, snapshot);
  const mapped = move.mapping && Object.keys(move.mapping).length ? move.mapping : undefined;
  const record: TransitionRecord = {
    processId: who.processId,
    seq: seq + 1,
    at: move.at,
    actorId: move.actor.id,
    role: move.actor.role,
    event: 'MIGRATED',
    from: move.fromState,
    to: view.state,
    reason: `Moved from v${move.fromVersion} to v${kind.version} by migration ${move.migrationId}${mapped ? `, states mapped ${Object.entries(mapped).map(([a, b]) => `${a} → ${b}`).join(', ')}` : ''}.`,
    payload: { fromVersion: move.fromVersion, toVersion: kind.version, migrationId: move.migrationId, ...(mapped ? { mapping: mapped } : {}) },
  };
  return { snapshot, seq: seq + 1, record, view, row: rowOf(kind, who, snapshot, seq + 1, view, now), notifications: [], announcements: [], operations: [], timers: [] };
}
