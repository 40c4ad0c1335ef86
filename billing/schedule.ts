import { ScheduleAlreadyRunning, type Client, type ScheduleSpec, type ScheduleUpdateOptions } from '@temporalio/client';

/**
 * The partner-bills schedule (R60): on the 5th of every month at 02:00 Beijing time the billing run
 * generates the previous month's bills, well before the 12:00 deadline, so that a retry or an outage of
 * a few hours still meets it. A run missed while the engine was down is still taken within 10 days:
 * a late bill is better than none, and bills are named by month, so it cannot make a second one.
 */
export const billScheduleSpec: ScheduleSpec = {
  calendars: [{ dayOfMonth: 5, hour: 2, minute: 0, comment: 'previous month’s partner bills, due by 12:00 GMT+08:00 on the 5th' }],
  timezone: 'Asia/Shanghai',
};

/** One schedule per deployment, named after its task queue. */
export const billScheduleIdFor = (taskQueue: string) => `partner-bills:${taskQueue}`;

const note = 'Created by partnerflow at start; edits are replaced at the next start.';

const desired = (taskQueue: string): ScheduleUpdateOptions => ({
  spec: billScheduleSpec,
  action: { type: 'startWorkflow', workflowType: 'generatePartnerBills', taskQueue, workflowId: `partner-bills-run:${taskQueue}`, args: [{}] },
  policies: { overlap: 'SKIP', catchupWindow: '10 days', pauseOnFailure: false },
  state: { paused: false, note },
});

/** Creates the schedule, or brings an existing one back to this spec: safe at every start. */
export async function ensureBillSchedule(client: Client, taskQueue: string): Promise<{ scheduleId: string; created: boolean }> {
  const scheduleId = billScheduleIdFor(taskQueue);
  const options = desired(taskQueue);
  try {
    await client.schedule.create({ scheduleId, ...options, state: { paused: false, note } });
    return { scheduleId, created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update(() => options);
    return { scheduleId, created: false };
  }
}
