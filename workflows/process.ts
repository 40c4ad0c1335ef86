import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { AnyMachineSnapshot } from 'xstate';
import type { StampedEvent } from '../machines/policy';
import type { Actor, Announcement, Refusal } from '../machines/types';
import { act, driverVersion, fact, inspect, liveState, migrate, refusalType, settled, startHold, type ActResult, type Carried, type ProcessArgs, type Proof } from './contract';
import { createEffects, openProcess } from './effects';
import { unproven } from './proof';
import { policy } from './sharedPolicy';
import type { ProcessIdentity, StepCause, StepResult } from './step';
import { createTimers } from './timers';
import { createWebUiView } from './webUi';

const system: Actor = { id: 'partnerflow', role: 'system' };
const recentUpdateLimit = 200;

const refusal = (r: Refusal) => ApplicationFailure.create({ type: refusalType, message: r.reason, details: [r], nonRetryable: true });

/** An Update the edge did not make for this process, now: refused before anything else is looked at, writing nothing. */
function refuseUnproven(what: string, proof: Proof | undefined) {
  const updateId = currentUpdateInfo()?.id;
  const why = unproven(proof, { processId: workflowInfo().workflowId, updateId, now: Date.now() });
  if (why) throw refusal({ status: 403, code: 'unproven_action', reason: `The engine refused this ${what}: ${why}. Send it through the partnerflow API.` });
}

/**
 * The durable driver of every process kind. The machine decides (`step`, pure); this workflow feeds it
 * events (Updates from people, signals from other processes, its own timers), commits each next snapshot
 * synchronously, before any await, and hands the step's effects to the effects queue.
 */
export async function processWorkflow(args: ProcessArgs): Promise<{ state: string }> {
  const { kindOf, versionsOf, judge, planMove, stateKey, opsDetails, step, startStep, migrationStep } = policy();
  const driver = args.driver ?? 1;
  // A start the edge (or this process's previous run) did not make for this process, such as a sealed start
  // copied from another history, opens nothing.
  const notOurs = driver >= 3 && unproven(args.proof, { processId: workflowInfo().workflowId });
  if (notOurs) throw ApplicationFailure.nonRetryable(`This start was not made by partnerflow for this process: ${notOurs}.`, 'UnprovenStart');
  const opening = kindOf(args.kind, args.kindVersion);
  if (!opening) throw ApplicationFailure.nonRetryable(`Unknown process kind "${args.kind}" version ${args.kindVersion}.`);
  // The version the process runs on; a migration moves it to another.
  let kind = opening;
  const who: ProcessIdentity = {
    processId: workflowInfo().workflowId,
    partnerId: args.partnerId,
    businessKey: args.businessKey,
    startedBy: args.startedBy,
    createdAt: args.carried?.createdAt ?? new Date().toISOString(),
  };

  let snapshot: AnyMachineSnapshot | undefined;
  let seq = args.carried?.seq ?? -1;
  const recentUpdates = new Map<string, ActResult>(args.carried?.recentUpdates);
  const factsBeforeStart: Announcement[] = [];
  const webUi = createWebUiView(opsDetails);
  const timers = createTimers((event) => {
    const stamped = { ...event, actor: system, at: new Date().toISOString() } as StampedEvent;
    if (snapshot?.status === 'active' && snapshot.can(stamped))
      void apply(stamped, { name: event.type.split('.')[2] ?? event.type, reason: 'The delay configured for this state passed.' });
  }, { oneDurableTimer: driver >= 4 });
  const effects = createEffects({
    processId: who.processId,
    partnerId: who.partnerId,
    driver,
    runId: workflowInfo().runId,
    undelivered: args.carried?.undelivered,
    onOutcome: async (operation, outcome) => {
      const event = { ...outcome, actor: system, at: new Date().toISOString() } as StampedEvent;
      if (snapshot!.status === 'active' && snapshot!.can(event)) await apply(event, { name: outcome.type, reason: `Outcome of ${operation.name}.` });
    },
  });

  /** Commits a step: the next snapshot now, its timers and what ops see at once, its effects queued. `madeBy`: the Update that made it, or `startHold`. */
  const commit = (next: StepResult, madeBy?: string, kindVersion?: number) => {
    snapshot = next.snapshot;
    seq = next.seq;
    timers.batch(() => {
      for (const change of next.timers) 'start' in change ? timers.start({ id: change.start, event: change.event, dueAt: change.dueAt }) : timers.cancel(change.cancel);
    });
    webUi.show(kind, next.view, { seq, event: next.record.event, actor: next.record.actorId, at: next.record.at }, kindVersion);
    return effects.carryOut(next, { updateId: madeBy });
  };
  const apply = (event: StampedEvent, cause: StepCause = {}, madeBy?: string) => commit(step(kind, who, snapshot!, seq, event, cause, Date.now()), madeBy);

  const receiveFact = (announcement: Announcement) => {
    const event = { type: 'FACT', ...announcement, actor: system, at: new Date().toISOString() } as StampedEvent;
    if (snapshot!.status === 'active' && snapshot!.can(event))
      void apply(event, { name: 'FACT', reason: `Announced by another process of this partner: ${announcement.fact}.` });
  };

  // A continued run restores its snapshot before any handler is set: setHandler validates buffered Updates at once.
  if (args.carried) {
    snapshot = kind.machine.resolveState({ value: args.carried.value as any, context: args.carried.context as any });
    timers.batch(() => args.carried!.timers.forEach(timers.start));
    effects.deliverUndelivered();
  }

  /** The verdict of the Update the validator just accepted, which its handler runs next (judging is the costliest part of a step). */
  let accepted: { updateId: string | undefined; snapshot: AnyMachineSnapshot; verdict: ReturnType<typeof judge> } | undefined;

  // Handlers before the first await, so that Updates and signals arriving with the first task are not lost.
  setHandler(
    act,
    async ({ action, actor }) => {
      const updateId = currentUpdateInfo()?.id;
      const earlier = updateId ? recentUpdates.get(updateId) : undefined;
      if (earlier) return earlier;
      // The validator judged this very Update a moment ago, on this snapshot; on replay (no validator) it is judged again, alike.
      const verdict = accepted?.updateId === updateId && accepted?.snapshot === snapshot ? accepted!.verdict : judge(kind, snapshot!, action, actor, new Date().toISOString());
      accepted = undefined;
      if (!verdict.ok) throw refusal(verdict.refusal);
      // Only an id the caller chose (actor + Idempotency-Key) is worth keeping; Temporal's own are random.
      const done = apply(verdict.event, { updateId: updateId?.startsWith(`${actor.id}:`) ? updateId : undefined }, updateId);
      const result = { version: seq };
      if (updateId) {
        recentUpdates.set(updateId, result);
        if (recentUpdates.size > recentUpdateLimit) recentUpdates.delete(recentUpdates.keys().next().value!);
      }
      await done;
      return result;
    },
    {
      // Refuses writing nothing (R73): 422, 403, then 412 and 409.
      validator: ({ action, actor, expectedVersion, proof }) => {
        refuseUnproven('action', proof);
        const updateId = currentUpdateInfo()?.id;
        if (updateId && recentUpdates.has(updateId)) return;
        if (!snapshot) throw refusal({ status: 409, code: 'not_started', reason: 'This process is still starting; try again in a moment.' });
        const verdict = judge(kind, snapshot, action, actor, new Date().toISOString());
        if (!verdict.ok && verdict.refusal.status !== 409) throw refusal(verdict.refusal);
        if (expectedVersion !== undefined && expectedVersion !== seq)
          throw refusal({ status: 412, code: 'version_mismatch', reason: `The process moved on: it is at version ${seq}, not ${expectedVersion}. Reload it and decide again.` });
        if (!verdict.ok) throw refusal(verdict.refusal);
        accepted = { updateId, snapshot, verdict };
      },
    },
  );
  setHandler(settled, async () => {
    await condition(() => snapshot !== undefined && effects.performing() === 0);
    await effects.recorded();
    return { version: seq };
  });
  setHandler(liveState, () => ({ value: snapshot?.value, context: snapshot?.context, version: seq, done: snapshot?.status === 'done' }));

  /** Whether the process can move to version `to` now, and what it becomes there: the same plan the dry run showed. */
  const moveTo = (to: number, mapping: Record<string, string> | undefined, busy: boolean) => {
    const target = kindOf(args.kind, to);
    if (!target) return { verdict: 'stays' as const, status: 422 as const, code: 'unknown_version', reason: `${args.kind} has no version ${to}.` };
    const plan = planMove(versionsOf(args.kind), kind, target, { value: snapshot!.value, context: snapshot!.context, done: snapshot!.status !== 'active' }, timers.pending(), { mapping, busy });
    return plan.verdict === 'moves' ? { ...plan, target } : { ...plan, status: 409 as const };
  };
  setHandler(
    migrate,
    async ({ to, mapping, actor, migrationId }) => {
      const plan = moveTo(to, mapping, false);
      if (plan.verdict !== 'moves') throw refusal({ status: plan.status, code: plan.code, reason: plan.reason });
      const from = { fromVersion: kind.version, fromState: stateKey(snapshot!.value) };
      // A timer whose state node was renamed is started again under its new name, due at the same time.
      const before = timers.pending();
      timers.batch(() =>
        plan.timers.forEach((placed, i) => {
          if (placed.id === before[i].id) return;
          timers.cancel(before[i].id);
          timers.start(placed);
        }),
      );
      kind = plan.target;
      const moved = kind.machine.resolveState({ value: plan.snapshot.value as any, context: plan.snapshot.context as any });
      await commit(migrationStep(kind, who, moved, seq, { ...from, actor, at: new Date().toISOString(), migrationId, mapping }, Date.now()), currentUpdateInfo()?.id, kind.version);
      return { version: seq, ...from, toVersion: kind.version, toState: plan.toState };
    },
    {
      validator: ({ to, mapping, actor, proof }) => {
        refuseUnproven('migration', proof);
        if (actor.role !== 'ops') throw refusal({ status: 403, code: 'ops_only', reason: 'Only ops move a process to another version of its kind.' });
        if (!snapshot) throw refusal({ status: 409, code: 'not_started', reason: 'This process is still starting; try again in a moment.' });
        const plan = moveTo(to, mapping, !allHandlersFinished() || !effects.idle());
        if (plan.verdict !== 'moves') throw refusal({ status: plan.status, code: plan.code, reason: plan.reason });
      },
    },
  );
  setHandler(inspect, () => ({
    kindVersion: kind.version,
    value: snapshot?.value ?? null,
    context: snapshot?.context ?? null,
    version: seq,
    done: snapshot !== undefined && snapshot.status !== 'active',
    timers: timers.pending(),
    busy: !allHandlersFinished() || !effects.idle(),
  }));
  setHandler(fact, ({ proof, ...announcement }) => {
    // From generation 3 the product proves every fact it sends; anything else is not taken.
    if (driver >= 3 && unproven(proof, { processId: who.processId })) return;
    if (snapshot) receiveFact(announcement);
    else factsBeforeStart.push(announcement);
  });

  if (!args.carried) {
    // The process's row exists before the partner's facts are read, so a fact announced meanwhile reaches it.
    const facts = await openProcess(driver, {
      view: {
        id: who.processId, kind: kind.name, kindVersion: kind.version, partnerId: who.partnerId, customerId: null, businessKey: who.businessKey,
        state: 'starting', stateValue: null, context: null, label: { en: 'Starting', 'zh-CN': '启动中' }, done: false,
        version: -1, waitingFor: [], dueAt: null, startedBy: who.startedBy.id, createdAt: who.createdAt, updatedAt: who.createdAt,
      },
      partnerSeed: kind.partnerSeed?.(args.input),
    });
    const start = { processId: who.processId, partnerId: who.partnerId, startedBy: who.startedBy, at: who.createdAt, input: args.input, facts, settings: args.settings };
    void commit(startStep(kind, who, start, Date.now()), driver >= 4 ? startHold : undefined);
  }
  for (const announcement of factsBeforeStart.splice(0)) receiveFact(announcement);

  const historyLimit = args.historyLimit ?? 10_000;
  const ended = () => snapshot!.status !== 'active';
  for (;;) {
    await condition(() => ended() || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit);
    if (ended()) {
      // Nothing can be accepted any more: let every Update, record and message finish, then end.
      await condition(() => allHandlersFinished() && effects.idle() && effects.undelivered().length === 0);
      return { state: stateKey(snapshot!.value) };
    }
    // Messages still being sent are carried, not waited for: under a steady stream of actions the
    // sending never pauses. No await between this condition and the end of the run, so no Update slips in.
    await condition(() => allHandlersFinished() && effects.idle());
    if (!ended()) break;
  }
  // The next run goes on where this one stopped, on the same version of its kind: only a migration moves it (a `migrate` Update).
  const carried: Carried = {
    value: snapshot!.value,
    context: snapshot!.context,
    seq,
    createdAt: who.createdAt,
    timers: timers.pending(),
    recentUpdates: [...recentUpdates],
    undelivered: effects.undelivered(),
  };
  const proof = { processId: who.processId, at: new Date().toISOString() };
  return continueAsNew<typeof processWorkflow>({ ...args, kindVersion: kind.version, driver: driverVersion, carried, proof });
}
