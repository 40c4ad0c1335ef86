import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { OperationOutcome, Operation } from '../machines/operations';
import { heldRecordOptions, operationOptions, recordOptions, sendOptions } from './activityOptions';
import type { StepResult } from './step';

const activities = proxyActivities<Activities>(recordOptions);
const inTask = proxyLocalActivities<Activities>(heldRecordOptions);

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
const opening = 'Open the process in the records store';
const openProcessByActivity: Activities['openProcess'] = (arg) => run('openProcess', recordOptions, opening, arg);

/**
 * Opens the process's row and reads its partner's facts. From generation 4 inside the first workflow task
 * (a local activity: opening is idempotent, so an attempt the engine never committed is simply done again).
 */
export const openProcess = (driver: number, arg: Parameters<Activities['openProcess']>[0]) =>
  driver >= 4 ? (inTask.openProcess as any).executeWithOptions({ ...heldRecordOptions, summary: opening }, [arg]) : openProcessByActivity(arg);
const recordStep: Activities['recordStep'] = (step) => run('recordStep', recordOptions, undefined, step);
const announce: Activities['announce'] = (arg) => run('announce', recordOptions, `Announce ${arg.announcement.fact} to the partner's other processes`, arg);
const sendNotifications: Activities['sendNotifications'] = (arg) => run('sendNotifications', sendOptions, undefined, arg);
const performOperation: Activities['performOperation'] = (arg) =>
  run('performOperation', operationOptions, `Perform ${arg.operation.name} (step ${arg.seq})`, arg);

/**
 * The effects of a process's steps, carried out as activities. Records run one step at a time, in
 * sequence order, even when handlers interleave; an action's caller waits for them. The outcome of an
 * operation comes back through `onOutcome`, once its step is recorded.
 *
 * Driver generation 1 records every step with an activity and sends its messages with another, on a
 * chain of their own that nobody waits for. Generation 2 records a step made by an Update with a local
 * activity inside that Update (one workflow task, no activity task): the record is held until the
 * Update's caller learns it completed, i.e. the engine committed it (store.releaseSteps). Other steps
 * (start, timers, facts, outcomes) are recorded by an activity, which runs only once its step is
 * committed. Messages leave the process's history: the outbox dispatcher sends them. Generation 4 holds
 * the start step too (`startHold`), recorded in the first workflow task; the client's `settled` Update
 * releases it, or the dispatcher once the engine shows the run's first task committed.
 */
export function createEffects(opts: {
  processId: string;
  partnerId: string;
  /** The driver generation of this run (workflows/contract.ts). */
  driver: number;
  runId: string;
  /** Steps whose messages an earlier run did not send yet. */
  undelivered?: number[];
  onOutcome: (operation: Operation, outcome: OperationOutcome) => Promise<void> | void;
}) {
  const { processId, partnerId } = opts;
  let records: Promise<void> = Promise.resolve();
  let recording = 0;
  let deliveries: Promise<void> = Promise.resolve();
  const undelivered = new Set<number>(opts.undelivered);
  /** Operations in flight: their outcomes are still to come, so the run neither ends nor continues-as-new. */
  let performing = 0;

  const recordInOrder = (work: () => Promise<void>) => {
    recording++;
    records = records.then(work).finally(() => recording--);
    return records;
  };

  /** Sends a step's messages once every record so far is written (sending is idempotent, R74). */
  const deliver = (seq: number) => {
    undelivered.add(seq);
    deliveries = Promise.all([deliveries, records]).then(async () => {
      await sendNotifications({ processId, seq });
      undelivered.delete(seq);
    });
  };

  /** Runs a step's operations once it is recorded; the step's sequence number keys them, so a retry never repeats the work. */
  const perform = (recorded: Promise<void>, seq: number, operations: Operation[]) => {
    performing++;
    return recorded
      .then(async () => {
        for (const operation of operations) await opts.onOutcome(operation, await performOperation({ processId, partnerId, seq, operation }));
      })
      .finally(() => performing--);
  };

  return {
    /**
     * Queues the step's record, announcements, messages and operations; resolves when it and its
     * operations' outcomes are recorded. `updateId`: the step was made by that Update, whose caller waits.
     */
    carryOut(step: StepResult, made: { updateId?: string } = {}): Promise<void> {
      const held = opts.driver >= 2 && made.updateId !== undefined;
      const recorded = recordInOrder(async () => {
        const record = { view: step.row, records: [step.record], notifications: step.notifications };
        if (held) await inTask.recordHeldStep({ step: record, updateId: made.updateId!, runId: opts.runId });
        else await recordStep(record);
        for (const announcement of step.announcements) await announce({ partnerId, processId, announcement });
      });
      if (step.notifications.length && opts.driver < 2) deliver(step.seq);
      return step.operations.length ? perform(recorded, step.seq, step.operations) : recorded;
    },
    /** Sends again what an earlier run left unsent (from generation 2 on, the outbox dispatcher sends it). */
    deliverUndelivered: () => {
      if (opts.driver >= 2) undelivered.clear();
      for (const seq of undelivered) deliver(seq);
    },
    /** Resolves once every record queued so far is written. */
    recorded: () => records,
    /** No record being written and no operation awaiting its outcome. */
    idle: () => recording === 0 && performing === 0,
    performing: () => performing,
    undelivered: () => [...undelivered],
  };
}

export type Effects = ReturnType<typeof createEffects>;
