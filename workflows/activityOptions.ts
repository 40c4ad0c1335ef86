/**
 * How long the driver's activities may take and how they are retried. The benchmark's bare workflow
 * schedules its no-op activities with the same options, so that the engine's work per activity
 * (timeout timers included) is the same on both sides.
 */
const retry = { initialInterval: '1 second', maximumInterval: '1 minute' };

// A worker that dies mid-activity is only noticed when the attempt times out, so the records store's
// short writes get a short timeout: after a crash they are retried within seconds, not a minute.
export const recordOptions = { startToCloseTimeout: '15 seconds', retry } as const;

export const operationOptions = { startToCloseTimeout: '1 minute', retry } as const;

// Sending may wait on a slow mail server, so it heartbeats between messages instead (R74: a claimed
// message is never sent again, so a retry after a lost heartbeat sends only what nobody claimed).
export const sendOptions = { startToCloseTimeout: '1 minute', heartbeatTimeout: '10 seconds', retry } as const;

// A step's record inside its Update (driver generation 2): a local activity, retried within the workflow
// task; a record that cannot be written for this long fails the task, which the engine retries.
export const heldRecordOptions = { startToCloseTimeout: '15 seconds', retry: { ...retry, maximumAttempts: 5 } } as const;
