import type { AnyStateMachine, AnyMachineSnapshot, StateValue } from 'xstate';
import { z } from 'zod';
import type { ReviewDue } from './time';
import type { Actor, Announcement, Labels, PartnerFacts, Refusal, Role } from './types';

/** What the driver adds to every event: who sent it and when (workflow time, ISO UTC). */
export interface Stamp {
  actor: Actor;
  at: string;
}

/** An event a person or app may send: its payload schema, who may send it, and its label. */
export interface EventSpec {
  schema: z.ZodObject;
  roles: readonly Role[];
  label: Labels;
  /** A review decision: its sender must not be the submitter (four-eyes, R72). */
  decision?: boolean;
}

export type EventSpecs = Record<string, EventSpec>;

/** The typed events of a kind: each payload inferred from its zod schema, plus the driver's stamp. */
export type EventsOf<T extends EventSpecs> = {
  [K in keyof T & string]: { type: K } & z.infer<T[K]['schema']> & Stamp;
}[keyof T & string];

/** A fact announced by another process of the same partner (R10), delivered by the driver. */
export type FactEvent = { type: 'FACT' } & Announcement & Stamp;

/**
 * A named guard's refusal: undefined when the guard passes, else why not.
 * The machine's guard is derived from it, so the reason a person reads and the rule the machine
 * applies can never drift apart.
 */
export type Precondition = (args: { context: any; event: any }) => Omit<Refusal, 'status'> | undefined;

export const guardsFrom = <P extends Record<string, Precondition>>(preconditions: P) =>
  Object.fromEntries(
    Object.entries(preconditions).map(([name, refuse]) => [name, (args: { context: any; event: any }) => !refuse(args)]),
  ) as { [K in keyof P]: (args: { context: any; event: any }) => boolean };

/** What the driver hands a machine when a process starts. */
export interface StartInput<I = unknown> {
  processId: string;
  partnerId: string;
  startedBy: Actor;
  /** When the process started (workflow time, ISO UTC). */
  at: string;
  input: I;
  facts: PartnerFacts;
  settings: ProcessSettings;
}

/** Per-deployment knobs a machine may read (what its `after` delays are computed from), fixed at start. */
export interface ProcessSettings {
  review: {
    /** When a submitted review is due (R70: computed in GMT+08:00); ops are told when it is overdue. */
    due: ReviewDue;
    /** Reviewers are reminded this long before the due time. */
    remindBeforeMs: number;
  };
  /** Partner payment (R52): how long the partner has before the customer is told it may pay another way. */
  payment: { reminderMs: number };
}

export const defaultSettings: ProcessSettings = {
  review: { due: { workingDays: 3 }, remindBeforeMs: 24 * 3600 * 1000 },
  payment: { reminderMs: 24 * 3600 * 1000 },
};

/** A snapshot as plain JSON: what a migration maps. */
export interface Snapshotish {
  value: StateValue;
  context: unknown;
}

/** A process kind: one machine and what the edge and driver need to know about it. */
export interface ProcessKind {
  name: string;
  version: number;
  title: Labels;
  machine: AnyStateMachine;
  /** Start input schema; unknown fields are refused. */
  input: z.ZodObject;
  /** Roles that may start it. */
  startRoles: readonly Role[];
  /**
   * Why this caller may not start it with this (valid) input, e.g. a stored-value card order (R51):
   * refused at the edge before anything exists (R73).
   */
  startRefusal?: (input: any, actor: Actor) => Refusal | undefined;
  /** Exists once per partner (the process id needs no business key). */
  oncePerPartner: boolean;
  events: EventSpecs;
  preconditions: Record<string, Precondition>;
  /**
   * Values a guard depends on, suggested to the caller in `allowedActions` (e.g. the next milestone);
   * a list when the event can mean several things now (e.g. which of two pending reviews to decide).
   */
  suggest?: (snapshot: AnyMachineSnapshot, eventType: string) => Record<string, unknown> | Array<Record<string, unknown>> | undefined;
  /** A label more precise than the state's own, e.g. naming the milestone under review. */
  describe?: (snapshot: AnyMachineSnapshot) => Labels | undefined;
  /**
   * How a process moves between the version before (`version - 1`) and this one: `up` maps its snapshot
   * here, `down` back (the rollback). Absent: the snapshot carries over as it is. A state with no
   * counterpart in the target version is found by the migration plan, which may map it (POST /v1/migrations).
   */
  migrate?: {
    up: (from: Snapshotish) => Snapshotish;
    down: (from: Snapshotish) => Snapshotish;
  };
  /** Seed values for the partner's record when this process creates it (onboarding). */
  partnerSeed?: (input: any) => { companyName?: string; contactEmail?: string };
}
