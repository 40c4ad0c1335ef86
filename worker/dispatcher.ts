import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { outboxDispatcher } from '../workflows/outboxDispatcher';

/** One dispatcher per deployment, named after its task queue. */
export const dispatcherIdFor = (taskQueue: string) => `outbox-dispatcher:${taskQueue}`;

/**
 * Starts the outbox dispatcher unless it runs: safe at every start of every worker and API process, at
 * the same moment too (the engine keeps one workflow per id, and a second start finds the first).
 * A dispatcher that ended (terminated by ops, say) is started anew.
 */
export async function ensureOutboxDispatcher(client: Client, taskQueue: string): Promise<{ workflowId: string; runId: string }> {
  const workflowId = dispatcherIdFor(taskQueue);
  const handle = await client.workflow.start<typeof outboxDispatcher>('outboxDispatcher', {
    workflowId,
    taskQueue,
    args: [{}],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    staticSummary: 'Sends the outbox: email, SMS and webhooks, in batches (R74)',
  });
  return { workflowId, runId: handle.firstExecutionRunId };
}
