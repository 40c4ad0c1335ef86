import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ProcessSettings, Snapshotish } from '../machines/kind';
import type { PendingTimer, StateMapping } from '../machines/migration';
import type { Actor, Announcement } from '../machines/types';

/** What the driver workflow offers the outside: start arguments, Updates, the query and the signal. */

/**
 * The driver's generation: the one rule for changing the driver (workflows/process.ts and what it calls).
 * A change to what the driver writes to a history (its commands and their order) is a new generation.
 * A run follows the generation it was started with (`ProcessArgs.driver`; runs of release 1cee4be carry
 * none and are generation 1) and the code keeps every generation that a running process may follow;
 * continue-as-new starts the next run on the newest. `test/histories/` keeps histories of each.
 *
 * 1 (release 1cee4be): each step recorded by an activity, its messages sent by another.
 * 2: a step made by an Update is recorded by a local activity inside it, held until committed; no
 *    per-step send (the outbox dispatcher sends); workflows/effects.ts.
 * 3: a run takes only what the edge proved it sent (`Proof`): its start and its fact signals name this
 *    process; a fact without a proof is not taken (workflows/proof.ts). Updates are checked in their
 *    validators, which write nothing to a history, so every generation checks them.
 * 4: a start in one workflow task: the process's row opened and its start step recorded by local
 *    activities, the step held until the engine committed that task (workflows/effects.ts `startHold`).
 */
export const driverVersion = 4;

/** What a held start step names instead of an Update (generation 4): released once the engine committed the run's first task. */
export const startHold = 'start';

/**
 * What makes a request the edge's own (docs/SECURITY.md, "the engine is no back door"): it names the
 * process, the Update and the time it was made for. It travels inside the payload the edge seals with the
 * payload key (worker/codec.ts), so nobody without that key can make one, and one lifted from a history
 * fits no other process, no other Update and no later time.
 */
export interface Proof {
  processId: string;
  /** The Update it was made for (absent for starts and fact signals). */
  updateId?: string;
  /** When the edge made it (ISO-8601). */
  at: string;
}

export interface ProcessArgs {
  kind: string;
  /** The version of the kind this run follows (a new version never changes a running process). */
  kindVersion: number;
  partnerId: string;
  businessKey: string | null;
  startedBy: Actor;
  input: unknown;
  settings: ProcessSettings;
  /** The driver generation this run follows (`driverVersion` when it started); absent: 1. */
  driver?: number;
  /** The edge's proof that it started this process (generation 3 on). */
  proof?: Proof;
  /** Continue-as-new once history is this long, even before Temporal suggests it. */
  historyLimit?: number;
  /** Present when this run continues an earlier one. */
  carried?: Carried;
}

/** What one run hands the next when it continues-as-new. */
export interface Carried {
  value: unknown;
  context: unknown;
  seq: number;
  createdAt: string;
  /** Pending `after` delays, as absolute due times. */
  timers: Array<{ id: string; event: { type: string }; dueAt: number }>;
  /** Update ids already applied, so a retried request after continue-as-new still applies once. */
  recentUpdates: Array<[string, ActResult]>;
  /** Steps whose notifications were not sent yet (sending is idempotent, R74). */
  undelivered: number[];
}

export interface ActRequest {
  action: unknown;
  actor: Actor;
  /** From `If-Match`: refuse with 412 unless the process is still at this version. */
  expectedVersion?: number;
  proof: Proof;
}

export interface ActResult {
  version: number;
}

/** What the query answers: enough for the edge to build a view without the records store. */
export interface LiveState {
  value: unknown;
  context: unknown;
  version: number;
  done: boolean;
}

/** Moves the process to another version of its kind now (POST /v1/migrations); only ops may. */
export interface MigrateRequest {
  to: number;
  /** Ops' renaming of states the versions do not share. */
  mapping?: StateMapping;
  actor: Actor;
  /** The migration that asked; named in the record. */
  migrationId: string;
  proof: Proof;
}

export interface MigrateResult {
  version: number;
  fromVersion: number;
  toVersion: number;
  fromState: string;
  toState: string;
}

/** What a migration plan needs to know of a running process, read without writing anything. */
export interface Inspection extends Snapshotish {
  kindVersion: number;
  version: number;
  done: boolean;
  timers: PendingTimer[];
  /** An action or its effects are being applied right now. */
  busy: boolean;
}

export const act = defineUpdate<ActResult, [ActRequest]>('act');
export const migrate = defineUpdate<MigrateResult, [MigrateRequest]>('migrate');
export const inspect = defineQuery<Inspection>('inspect');
/** Resolves once the process has started and its effects so far are recorded: read-your-writes for the edge. */
export const settled = defineUpdate<ActResult, []>('settled');
export const liveState = defineQuery<LiveState>('liveState');
/** A fact another process of the partner established; from generation 3 on, proven for this process. */
export type FactSignal = Announcement & { proof?: Proof };
export const fact = defineSignal<[FactSignal]>('fact');

/** The failure type an Update validator throws; its details carry the Refusal. */
export const refusalType = 'Refusal';

export const searchAttributeKeys = {
  kind: { name: 'ProcessKind', type: 'KEYWORD' },
  partner: { name: 'PartnerId', type: 'KEYWORD' },
  state: { name: 'ProcessState', type: 'KEYWORD' },
  /** The roles whose move it is (several for parallel reviews); unset when nobody's. */
  waitingFor: { name: 'WaitingFor', type: 'KEYWORD_LIST' },
  /** The earliest pending review's due time; unset when no review is pending. */
  reviewDueAt: { name: 'ReviewDueAt', type: 'DATETIME' },
  /** The version of its kind the process runs on (set at start, and by a migration). */
  kindVersion: { name: 'KindVersion', type: 'INT' },
} as const;
