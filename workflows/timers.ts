import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/** A pending `after` delay: the event it sends back, and when (epoch ms). */
export interface PendingTimer {
  id: string;
  event: { type: string };
  dueAt: number;
}

/**
 * The durable timers of a process, one per `after` delay of the states it is in. A timer that fires
 * hands its event to `fire`; one cancelled or replaced meanwhile is ignored.
 */
export function createTimers(fire: (event: { type: string }) => void) {
  const timers = new Map<string, PendingTimer & { scope: CancellationScope }>();

  function start({ id, event, dueAt }: PendingTimer) {
    const scope = new CancellationScope();
    timers.set(id, { id, event, dueAt, scope });
    scope
      .run(() => sleep(Math.max(0, dueAt - Date.now()), { summary: `${id}: sends ${event.type} at ${new Date(dueAt).toISOString()}` }))
      .then(() => {
        if (timers.get(id)?.scope !== scope) return;
        timers.delete(id);
        fire(event);
      })
      .catch((err) => {
        if (!isCancellation(err)) throw err;
      });
  }

  function cancel(id: string) {
    const timer = timers.get(id);
    timers.delete(id);
    timer?.scope.cancel();
  }

  return {
    start,
    cancel,
    /** What a continued run, or a migration, carries over. */
    pending: (): PendingTimer[] => [...timers.values()].map(({ id, event, dueAt }) => ({ id, event, dueAt })),
  };
}

export type Timers = ReturnType<typeof createTimers>;
