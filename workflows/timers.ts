import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/** A pending `after` delay: the event it sends back, and when (epoch ms). */
export interface PendingTimer {
  id: string;
  event: { type: string };
  dueAt: number;
}

/**
 * The `after` delays of the states a process is in. A delay that falls due hands its event to `fire`;
 * one cancelled or replaced meanwhile is ignored.
 *
 * `oneDurableTimer` (driver generation 4): the engine keeps one timer, for the earliest delay, instead of
 * one per delay. A review's reminder and overdue delays start and end together, so this halves the
 * engine's timer events and tasks; when that timer fires, every delay then due fires in order and the
 * timer is set for the next. Earlier generations keep one engine timer per delay, as their histories say.
 */
export function createTimers(fire: (event: { type: string }) => void, { oneDurableTimer = false } = {}) {
  const pending = new Map<string, PendingTimer & { scope?: CancellationScope }>();
  /** The one engine timer (oneDurableTimer): when it is due, and how to cancel it. */
  let armed: { dueAt: number; scope: CancellationScope } | undefined;
  /** Batches under way: the engine's timer is set once they end. */
  let holding = 0;

  /** Sets the one engine timer for the earliest pending delay, unless it already is. */
  function arm() {
    if (holding > 0) return;
    const next = [...pending.values()].sort((a, b) => a.dueAt - b.dueAt)[0];
    if (armed && next && armed.dueAt === next.dueAt) return;
    armed?.scope.cancel();
    armed = undefined;
    if (!next) return;
    const mine = { dueAt: next.dueAt, scope: new CancellationScope() };
    armed = mine;
    const summary = `${next.id}: sends ${next.event.type} at ${new Date(next.dueAt).toISOString()}`;
    const fired = mine.scope.run(() => sleep(Math.max(0, next.dueAt - Date.now()), { summary })).then(
      () => true,
      (err) => {
        if (!isCancellation(err)) throw err;
        return false;
      },
    );
    void fired.then((fired) => {
      if (!fired || armed !== mine) return;
      armed = undefined;
      const now = Math.max(Date.now(), mine.dueAt);
      batch(() => {
        for (const due of [...pending.values()].filter((t) => t.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt)) {
          if (pending.get(due.id) !== due) continue; // cancelled or replaced by an earlier one's step
          pending.delete(due.id);
          fire(due.event);
        }
      });
    });
  }

  function batch(changes: () => void) {
    holding++;
    try {
      changes();
    } finally {
      holding--;
    }
    if (oneDurableTimer) arm();
  }

  function start({ id, event, dueAt }: PendingTimer) {
    if (oneDurableTimer) {
      pending.set(id, { id, event, dueAt });
      return arm();
    }
    // Earlier generations: exactly the commands their histories hold.
    const scope = new CancellationScope();
    pending.set(id, { id, event, dueAt, scope });
    scope
      .run(() => sleep(Math.max(0, dueAt - Date.now()), { summary: `${id}: sends ${event.type} at ${new Date(dueAt).toISOString()}` }))
      .then(() => {
        if (pending.get(id)?.scope !== scope) return;
        pending.delete(id);
        fire(event);
      })
      .catch((err) => {
        if (!isCancellation(err)) throw err;
      });
  }

  function cancel(id: string) {
    const timer = pending.get(id);
    pending.delete(id);
    if (oneDurableTimer) arm();
    else timer?.scope?.cancel();
  }

  return {
    start,
    cancel,
    /** Applies a step's starts and cancels together, so that the engine's timer is set once for all of them. */
    batch,
    /** What a continued run, or a migration, carries over. */
    pending: (): PendingTimer[] => [...pending.values()].map(({ id, event, dueAt }) => ({ id, event, dueAt })),
  };
}

export type Timers = ReturnType<typeof createTimers>;
