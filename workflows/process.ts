import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { Activities } from '../activities';
import type { StartInput } from '../machines/kind';
import type { StampedEvent } from '../machines/policy';
import type { Operation } from '../machines/operations';
import type { Actor, Announcement, NotifyParams, Refusal } from '../machines/types';
import type { ProcessRow, Step, TransitionRecord } from '../store/model';
import { act, fact, liveState, refusalType, searchAttributeKeys, settled, type ActResult, type Carried, type ProcessArgs } from './contract';
import { operationOptions, recordOptions, sendOptions } from './activityOptions';
import type { OpsView } from './opsView';
import { policy } from './sharedPolicy';

const activities = proxyActivities<Activities>(recordOptions);

/**
 * Runs an activity with a one-line summary that the Web UI shows on its event (user metadata: no extra
 * event). Only the rare activities carry one: each summary is stored, sealed and sent with its event,
 * and on every step's `recordStep` and `sendNotifications` that cost the engine more than the names,
 * which say what they do, are worth (docs/PERFORMANCE.md); their input names the step.
 */
function run<K extends keyof Activities>(
  name: K,
  options: typeof recordOptions | typeof operationOptions | typeof sendOptions,
  summary: string | undefined,
  ...args: Parameters<Activities[K]>
): Promise<Awaited<ReturnType<Activities[K]>>> {
  return (activities[name] as any).executeWithOptions(summary ? { ...options, summary } : options, args);
}
const openProcess: Activities['openProcess'] = (arg) => run('openProcess', recordOptions, 'Open the process in the records store', arg);
const recordStep: Activities['recordStep'] = (step) => run('recordStep', recordOptions, undefined, step);
const announce: Activities['announce'] = (arg) => run('announce', recordOptions, `Announce ${arg.announcement.fact} to the partner's other processes`, arg);
const sendNotifications: Activities['sendNotifications'] = (arg) => run('sendNotifications', sendOptions, undefined, arg);
const performOperation: Activities['performOperation'] = (arg) =>
  run('performOperation', operationOptions, `Perform ${arg.operation.name} (step ${arg.seq})`, arg);

const system: Actor = { id: 'partnerflow', role: 'system' };
const recentUpdateLimit = 200;

const refusal = (r: Refusal) => ApplicationFailure.create({ type: refusalType, message: r.reason, details: [r], nonRetryable: true });

/**
 * The durable driver of every process kind. The machine decides; this function only feeds it events
 * (Updates from people, signals from other processes, its own timers), commits each next snapshot
 * synchronously, and runs the effects the machine asks for, in order, as activities.
 */
export async function processWorkflow(args: ProcessArgs): Promise<{ state: string }> {
  const { kindOf, judge, stateKey, opsDetails, opsMemo, opsViewOf } = policy();
  const kind = kindOf(args.kind, args.kindVersion);
  if (!kind) throw ApplicationFailure.nonRetryable(`Unknown process kind "${args.kind}" version ${args.kindVersion}.`);
  const { machine } = kind;
  const processId = workflowInfo().workflowId;

  let snapshot: AnyMachineSnapshot | undefined;
  let seq = args.carried?.seq ?? -1;
  const createdAt = args.carried?.createdAt ?? new Date().toISOString();
  const recentUpdates = new Map<string, ActResult>(args.carried?.recentUpdates);
  const timers = new Map<string, { event: { type: string }; dueAt: number; scope: CancellationScope }>();
  const factsBeforeStart: Announcement[] = [];

  // Records run one step at a time, in sequence order, even when handlers interleave; an action's
  // caller waits for them. Messages go out on a chain of their own that nobody waits for, so a slow
  // mail server never holds up a decision. A finished process ends when both chains are empty; a run
  // that continues-as-new hands the unsent steps to the next one.
  let effects: Promise<void> = Promise.resolve();
  let recording = 0;
  let deliveries: Promise<void> = Promise.resolve();
  /** Steps whose messages are not sent yet; a continued run sends them. */
  const undelivered = new Set<number>(args.carried?.undelivered);

  /** Operations (`perform`) in flight: their outcomes are still to come, so the run neither ends nor continues-as-new. */
  let performing = 0;

  const recordInOrder = (run: () => Promise<void>) => {
    recording++;
    effects = effects.then(run).finally(() => recording--);
    return effects;
  };
  const deliver = (stepSeq: number) => {
    undelivered.add(stepSeq);
    deliveries = Promise.all([deliveries, effects]).then(async () => {
      await sendNotifications({ processId, seq: stepSeq });
      undelivered.delete(stepSeq);
    });
  };

  /** The records store's row of the process at this snapshot; the policy's view of it is computed once per step. */
  const viewRow = (s: AnyMachineSnapshot, view: OpsView): ProcessRow => ({
    id: processId,
    kind: kind.name,
    kindVersion: kind.version,
    partnerId: args.partnerId,
    customerId: (s.context as { customerId?: string }).customerId ?? null,
    businessKey: args.businessKey,
    state: view.state,
    stateValue: s.value,
    context: s.context,
    label: view.label,
    done: view.done,
    version: seq,
    waitingFor: view.waitingFor,
    dueAt: view.dueAt,
    startedBy: args.startedBy.id,
    createdAt,
    updatedAt: new Date().toISOString(),
  });

  // What ops see in the Web UI. Each upsert is a history event, so only a change is written, and since
  // version 2 all of a step's changes go in one event: the search attributes ops filter by. The business
  // state and labels are the workflow's current details, which cost no event at all; the memo keeps what
  // was set at start. Since version 3 the run starts knowing what the client set with the start (the
  // opening state's attributes), so its first step writes only what differs. Earlier runs replay as
  // written: v1 (marked by a patch) also upserted the inbox attributes and the memo separately, runs
  // before it the state and a memo'd label.
  const opsView = args.opsView ?? (patched('ops-view-v1') ? 1 : 0);
  let shown = opsView >= 3 ? startedWith() : {
    state: args.carried ? stateKey(args.carried.value as AnyMachineSnapshot['value']) : '',
    memo: '',
    waitingFor: args.carried ? undefined : '[]',
    dueAt: args.carried ? undefined : (null as string | null | undefined),
  };
  const showState = (view: OpsView, last: { seq: number; event: string; actor: string; at: string }) => {
    const waiting = JSON.stringify(view.waitingFor);
    const state = view.state !== shown.state ? [{ key: searchAttributeKeys.state, value: view.state }] : [];
    const inbox = [
      ...(waiting !== shown.waitingFor ? [{ key: searchAttributeKeys.waitingFor, value: view.waitingFor.length ? view.waitingFor : null }] : []),
      ...(view.dueAt !== shown.dueAt ? [{ key: searchAttributeKeys.reviewDueAt, value: view.dueAt ? new Date(view.dueAt) : null }] : []),
    ];
    if (opsView >= 2) {
      if (state.length + inbox.length) upsertSearchAttributes([...state, ...inbox]);
      shown = { ...shown, state: view.state, waitingFor: waiting, dueAt: view.dueAt };
    } else if (opsView === 1) {
      if (state.length) upsertSearchAttributes(state);
      if (inbox.length) upsertSearchAttributes(inbox);
      const memo = JSON.stringify(opsMemo(view));
      if (memo !== shown.memo) upsertMemo(opsMemo(view));
      shown = { state: view.state, memo, waitingFor: waiting, dueAt: view.dueAt };
    } else {
      if (state.length) upsertSearchAttributes(state);
      const memo = JSON.stringify(view.label);
      if (memo !== shown.memo) upsertMemo({ label: view.label });
      shown = { ...shown, state: view.state, memo };
      return;
    }
    // Served by the workflow's metadata query: no history event at all.
    setCurrentDetails(opsDetails(kind, view, last));
  };

  /** Commit one accepted event: next snapshot now, its effects queued. Never awaits before committing. */
  const commit = (
    event: StampedEvent,
    step: { name: string; reason?: string; updateId?: string; from: string | null; next: AnyMachineSnapshot; actions: readonly { type: string; params?: unknown }[] },
  ) => {
    snapshot = step.next;
    seq += 1;
    const { type, actor, at, comment, ...payload } = event;
    const record: TransitionRecord = {
      processId,
      seq,
      at,
      actorId: actor.id,
      role: actor.role,
      event: step.name,
      from: step.from,
      to: stateKey(step.next.value),
      ...(typeof comment === 'string' ? { comment } : {}),
      ...(step.reason ? { reason: step.reason } : {}),
      ...(Object.keys(payload).length ? { payload } : {}),
      ...(step.updateId ? { updateId: step.updateId } : {}),
    };
    const notifications: Step['notifications'] = [];
    const announcements: Announcement[] = [];
    const operations: Operation[] = [];
    for (const action of step.actions) {
      const params = action.params as Record<string, any>;
      if (action.type === 'notify') notifications.push({ ...(params as NotifyParams), seq });
      else if (action.type === 'announce') announcements.push(params as Announcement);
      else if (action.type === 'perform') operations.push(params as Operation);
      else if (action.type === 'xstate.raise' && params?.delay !== undefined) startTimer(params.id, params.event, Date.now() + params.delay);
      else if (action.type === 'xstate.cancel') cancelTimer(params.sendId);
    }
    const view = opsViewOf(kind, step.next);
    showState(view, { seq, event: step.name, actor: actor.id, at });
    const stepRecord: Step = { view: viewRow(step.next, view), records: [record], notifications };
    const recorded = recordInOrder(async () => {
      await recordStep(stepRecord);
      for (const announcement of announcements) await announce({ partnerId: args.partnerId, processId, announcement });
    });
    if (notifications.length) deliver(seq);
    return operations.length ? perform(recorded, seq, operations) : recorded;
  };

  /**
   * Runs the operations a step asked for, after the step is recorded, and sends each outcome back as an
   * event (if the process still takes it). The step's sequence number keys them, so a retried activity
   * never repeats the work. Resolves when the outcomes and their own effects are recorded.
   */
  const perform = (after: Promise<void>, stepSeq: number, operations: Operation[]) => {
    performing++;
    return after
      .then(async () => {
        for (const operation of operations) {
          const outcome = await performOperation({ processId, partnerId: args.partnerId, seq: stepSeq, operation });
          const event = { ...outcome, actor: system, at: new Date().toISOString() } as StampedEvent;
          if (snapshot!.status === 'active' && snapshot!.can(event)) await apply(event, outcome.type, `Outcome of ${operation.name}.`);
        }
      })
      .finally(() => performing--);
  };

  const apply = (event: StampedEvent, name = event.type, reason?: string, updateId?: string) => {
    const from = snapshot!;
    const [next, actions] = transition(machine, from, event);
    return commit(event, { name, reason, updateId, from: stateKey(from.value), next, actions });
  };

  function startTimer(id: string, event: { type: string }, dueAt: number) {
    const scope = new CancellationScope();
    timers.set(id, { event, dueAt, scope });
    scope
      .run(() => sleep(Math.max(0, dueAt - Date.now()), { summary: `${id}: sends ${event.type} at ${new Date(dueAt).toISOString()}` }))
      .then(() => {
        // A timer cancelled or replaced meanwhile is ignored.
        if (timers.get(id)?.scope !== scope) return;
        timers.delete(id);
        const stamped = { ...event, actor: system, at: new Date().toISOString() };
        if (snapshot?.status === 'active' && snapshot.can(stamped)) void apply(stamped, event.type.split('.')[2] ?? event.type, 'The delay configured for this state passed.');
      })
      .catch((err) => {
        if (!isCancellation(err)) throw err;
      });
  }

  function cancelTimer(id: string) {
    const timer = timers.get(id);
    timers.delete(id);
    timer?.scope.cancel();
  }

  const receiveFact = (announcement: Announcement) => {
    const event = { type: 'FACT', ...announcement, actor: system, at: new Date().toISOString() } as StampedEvent;
    if (snapshot!.status === 'active' && snapshot!.can(event))
      void apply(event, 'FACT', `Announced by another process of this partner: ${announcement.fact}.`);
  };

  // A continued run restores its snapshot before any handler is set: setHandler validates buffered Updates at once.
  if (args.carried) {
    snapshot = machine.resolveState({ value: args.carried.value as any, context: args.carried.context as any });
    for (const timer of args.carried.timers) startTimer(timer.id, timer.event, timer.dueAt);
    for (const stepSeq of undelivered) deliver(stepSeq);
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
      const done = apply(verdict.event, verdict.event.type, undefined, updateId?.startsWith(`${actor.id}:`) ? updateId : undefined);
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
      validator: ({ action, actor, expectedVersion }) => {
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
    await condition(() => snapshot !== undefined && performing === 0);
    await effects;
    return { version: seq };
  });
  setHandler(liveState, () => ({ value: snapshot?.value, context: snapshot?.context, version: seq, done: snapshot?.status === 'done' }));
  setHandler(fact, (announcement) => {
    if (snapshot) receiveFact(announcement);
    else factsBeforeStart.push(announcement);
  });

  if (!args.carried) {
    // The process's row exists before the partner's facts are read, so a fact announced meanwhile reaches it.
    const facts = await openProcess({
      view: {
        id: processId, kind: kind.name, kindVersion: kind.version, partnerId: args.partnerId, customerId: null, businessKey: args.businessKey,
        state: 'starting', stateValue: null, context: null, label: { en: 'Starting', 'zh-CN': '启动中' }, done: false,
        version: -1, waitingFor: [], dueAt: null, startedBy: args.startedBy.id, createdAt, updatedAt: createdAt,
      },
      partnerSeed: kind.partnerSeed?.(args.input),
    });
    const startInput: StartInput = { processId, partnerId: args.partnerId, startedBy: args.startedBy, at: createdAt, input: args.input, facts, settings: args.settings };
    const [first, actions] = initialTransition(machine, startInput);
    const start = { type: 'START', ...(args.input as object), actor: args.startedBy, at: createdAt } as StampedEvent;
    void commit(start, { name: 'START', from: null, next: first, actions });
  }
  for (const announcement of factsBeforeStart.splice(0)) receiveFact(announcement);

  const historyLimit = args.historyLimit ?? 10_000;
  const ended = () => snapshot!.status !== 'active';
  for (;;) {
    await condition(() => ended() || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit);
    if (ended()) {
      // Nothing can be accepted any more: let every Update, record and message finish, then end.
      await condition(() => allHandlersFinished() && recording === 0 && performing === 0 && undelivered.size === 0);
      return { state: stateKey(snapshot!.value) };
    }
    // Messages still being sent are carried, not waited for: under a steady stream of actions the
    // sending never pauses. No await between this condition and the end of the run, so no Update slips in.
    await condition(() => allHandlersFinished() && recording === 0 && performing === 0);
    if (!ended()) break;
  }
  // The next run follows the newest version of the kind when it knows how to move this snapshot there.
  const newest = kindOf(args.kind)!;
  const moved = newest.version !== kind.version && newest.migrate ? newest.migrate({ version: kind.version, value: snapshot!.value, context: snapshot!.context }) : undefined;
  const carried: Carried = {
    value: moved ? moved.value : snapshot!.value,
    context: moved ? moved.context : snapshot!.context,
    seq,
    createdAt,
    timers: [...timers].map(([id, { event, dueAt }]) => ({ id, event, dueAt })),
    recentUpdates: [...recentUpdates],
    undelivered: [...undelivered],
  };
  return continueAsNew<typeof processWorkflow>({ ...args, kindVersion: moved ? newest.version : kind.version, carried });
}

/** What ops already see: the search attributes the run started with (set by the client, or carried over by continue-as-new). */
function startedWith() {
  const attributes = workflowInfo().typedSearchAttributes;
  const waiting = attributes.get(searchAttributeKeys.waitingFor) ?? [];
  const dueAt = attributes.get(searchAttributeKeys.reviewDueAt);
  return {
    state: attributes.get(searchAttributeKeys.state) ?? '',
    memo: '',
    waitingFor: JSON.stringify(waiting) as string | undefined,
    dueAt: (dueAt ? dueAt.toISOString() : null) as string | null | undefined,
  };
}
