import { CancellationScope, allHandlersFinished, condition, isCancellation, proxyActivities, proxyLocalActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { heldRecordOptions, recordOptions, sendOptions } from '../../workflows/activityOptions';
import { act, searchAttributeKeys, settled } from '../../workflows/contract';
import type { BareActivities } from './activities';
import { barePlan, endsAfter, type BareKind } from './plan';

/**
 * The benchmark's baseline: the same Updates, timers and activities (no-ops, with the driver's timeouts)
 * as the product's driver, in the same order and with the same waiting, but no XState, no validation, no records, no search
 * attributes. What the product costs is the difference between the two.
 */
const { openProcess, recordStep, announce } = proxyActivities<BareActivities>(recordOptions);
const { sendNotifications } = proxyActivities<BareActivities>(sendOptions);

/** The product's review timers: a reminder and an overdue escalation, days away, cancelled by the decision. */
const reviewTimers = ['2 days', '3 days'];

/**
 * With `searchAttributes`, each step that opens or closes a review writes what the product writes for ops
 * then (docs/OPERATIONS.md): the state, whose move it is and the review's due time, in one upsert.
 */
export async function bareProcess(args: { kind: BareKind; searchAttributes?: boolean }): Promise<{ steps: number }> {
  const plan = barePlan[args.kind];
  const last = endsAfter[args.kind];
  let seq = 0;
  let started = false;
  let lastSeen = 0;
  let ended = false;
  let effects: Promise<void> = Promise.resolve();
  let recording = 0;
  let deliveries: Promise<void> = Promise.resolve();
  let sending = 0;
  let timers: CancellationScope[] = [];

  // Records in order; an Update waits for its own. Messages on a chain nobody waits for.
  const step = (type: string) => {
    const s = plan[type] ?? {};
    seq += 1;
    const stepSeq = seq;
    if (s.timers === 'start')
      for (const delay of reviewTimers) {
        const scope = new CancellationScope();
        timers.push(scope);
        scope.run(() => sleep(delay)).catch((err) => {
          if (!isCancellation(err)) throw err;
        });
      }
    if (s.timers === 'cancel') {
      for (const scope of timers) scope.cancel();
      timers = [];
    }
    if (args.searchAttributes && s.timers) {
      const reviewing = s.timers === 'start';
      upsertSearchAttributes([
        { key: searchAttributeKeys.state, value: reviewing ? 'underReview' : 'decided' },
        { key: searchAttributeKeys.waitingFor, value: reviewing ? ['reviewer'] : ['partner'] },
        { key: searchAttributeKeys.reviewDueAt, value: reviewing ? new Date(Date.now() + 3 * 86_400_000) : null },
      ]);
    }
    recording++;
    effects = effects
      .then(async () => {
        await recordStep(stepSeq);
        if (s.announce) await announce(stepSeq);
      })
      .finally(() => recording--);
    const recorded = effects;
    if (s.notify) {
      sending++;
      deliveries = Promise.all([deliveries, recorded])
        .then(() => sendNotifications(stepSeq))
        .finally(() => sending--);
    }
    if (type === last.type && ++lastSeen === last.times) ended = true;
    return recorded;
  };

  setHandler(act, async ({ action }) => {
    await step((action as { type: string }).type);
    return { version: seq };
  });
  setHandler(settled, async () => {
    await condition(() => started);
    await effects;
    return { version: seq };
  });

  await openProcess(0);
  started = true;
  void step('START');
  await condition(() => ended && allHandlersFinished() && recording === 0 && sending === 0);
  return { steps: seq };
}

const floor = proxyLocalActivities<BareActivities>(heldRecordOptions);

/**
 * The floor: the cheapest correct design a competent engineer would write by hand on Temporal for the
 * same workload. Each step is recorded by a local activity inside the Update that made it (one workflow
 * task, no activity task), the start too; messages are left to a batch sender outside the process's
 * history, so no step schedules one. The same Updates and review timers as the other sides.
 */
export async function bareFloorProcess(args: { kind: BareKind }): Promise<{ steps: number }> {
  const plan = barePlan[args.kind];
  const last = endsAfter[args.kind];
  let seq = 0;
  let started = false;
  let lastSeen = 0;
  let ended = false;
  let records: Promise<void> = Promise.resolve();
  let recording = 0;
  let timers: CancellationScope[] = [];

  const step = (type: string) => {
    const s = plan[type] ?? {};
    seq += 1;
    const stepSeq = seq;
    if (s.timers === 'start')
      for (const delay of reviewTimers) {
        const scope = new CancellationScope();
        timers.push(scope);
        scope.run(() => sleep(delay)).catch((err) => {
          if (!isCancellation(err)) throw err;
        });
      }
    if (s.timers === 'cancel') {
      for (const scope of timers) scope.cancel();
      timers = [];
    }
    recording++;
    records = records
      .then(async () => {
        await floor.recordStep(stepSeq);
        if (s.announce) await announce(stepSeq);
      })
      .finally(() => recording--);
    if (type === last.type && ++lastSeen === last.times) ended = true;
    return records;
  };

  setHandler(act, async ({ action }) => {
    await step((action as { type: string }).type);
    return { version: seq };
  });
  setHandler(settled, async () => {
    await condition(() => started);
    await records;
    return { version: seq };
  });

  await openProcess(0);
  started = true;
  void step('START');
  await condition(() => ended && allHandlersFinished() && recording === 0);
  return { steps: seq };
}
