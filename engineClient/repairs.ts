import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Announcement } from '../machines/types';
import { fact } from '../workflows/contract';
import { proofFor } from './proof';

/**
 * What ops may do to a process's run when business events cannot help (docs/OPERATIONS.md, "Repairing a
 * process"): the same calls the `temporal` CLI makes, from the product's own client, so that they go
 * through the API's authentication and audit rather than straight to the engine.
 */

const EventType = temporal.api.enums.v1.EventType;

export class RepairRefused extends Error {}

/** Asks the run to stop: pending timers end, the run closes as Canceled. */
export async function cancelRun(client: Client, processId: string): Promise<void> {
  await client.workflow.getHandle(processId).cancel();
}

/** Stops the run at once, finishing nothing. */
export async function terminateRun(client: Client, processId: string, reason: string): Promise<void> {
  await client.workflow.getHandle(processId).terminate(reason);
}

/**
 * Re-runs the process from a workflow task on the current code: its last (`last-workflow-task`, the repair
 * for a task stuck after a bad deploy), its first (`first-workflow-task`: the process again from its
 * input), or a given event id of a completed workflow task. Returns the new run's id.
 */
export async function resetRun(
  client: Client,
  namespace: string,
  processId: string,
  to: { point: 'last-workflow-task' | 'first-workflow-task' } | { eventId: number },
  reason: string,
): Promise<{ runId: string; eventId: number }> {
  const completed: number[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({ namespace, execution: { workflowId: processId }, maximumPageSize: 1000, nextPageToken });
    for (const e of page.history?.events ?? []) if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) completed.push(Number(e.eventId));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  let eventId: number | undefined;
  if ('eventId' in to) {
    eventId = completed.includes(to.eventId) ? to.eventId : undefined;
    if (eventId === undefined) throw new RepairRefused(`Event ${to.eventId} is not a completed workflow task of this run; reset to one of ${completed.slice(-10).join(', ') || 'none'}.`);
  } else {
    eventId = to.point === 'last-workflow-task' ? completed.at(-1) : completed[0];
    if (eventId === undefined) throw new RepairRefused('This run has no completed workflow task to reset to yet.');
  }
  const response: temporal.api.workflowservice.v1.IResetWorkflowExecutionResponse = await client.workflowService.resetWorkflowExecution({
    namespace,
    workflowExecution: { workflowId: processId },
    reason,
    // protobufjs writes a plain number into an int64 field; the generated type names only its Long class.
    workflowTaskFinishEventId: eventId as unknown as temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest['workflowTaskFinishEventId'],
    requestId: randomUUID(),
  });
  return { runId: response.runId ?? '', eventId };
}

/** Tells the process again the facts its partner has established (a process takes a fact only if it uses it and it is new). */
export async function resendFacts(client: Client, processId: string, announcements: Announcement[]): Promise<void> {
  const handle = client.workflow.getHandle(processId);
  for (const announcement of announcements) await handle.signal(fact, { ...announcement, proof: proofFor(processId) });
}

/** Whether the process has a run the engine knows (running or closed). */
export async function runStatus(client: Client, processId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(processId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}
