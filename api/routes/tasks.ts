import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fourEyesAny } from '../../machines/policy';
import type { Reviewing } from '../../machines/review';
import { toBeijingTime } from '../../machines/time';
import type { Actor, Role } from '../../machines/types';
import type { Store } from '../../store/db';
import type { ProcessRow, Task } from '../../store/model';
import { mayRead } from '../auth';
import { HttpError } from '../errors';
import { auditedRepair } from './repairs';
import { releaseRequestSchema, taskQuerySchema } from '../requests';
import { answers, taskItemSchema, taskPageSchema, type TaskItem, type TaskView } from '../schemas';
import { processView } from '../views';

/**
 * The inbox (GET /v1/tasks): processes waiting for the caller, oldest first, served from the records
 * store. A reviewer may claim an item so that others see who holds it, and release it again.
 */

const inboxRoles: readonly Role[] = ['partner', 'reviewer', 'ops', 'system'];
const claimingRoles: readonly Role[] = ['reviewer', 'ops'];

/**
 * A task as the caller sees it; `standingInFor` names the reviewers away whose reviews the caller decides
 * meanwhile, so a review such a reviewer holds shows "for <reviewer>".
 */
export function taskView(task: Task, now = new Date().toISOString(), standingInFor: readonly string[] = []): TaskView {
  return {
    ...(task.claimedBy && standingInFor.includes(task.claimedBy) ? { onBehalfOf: task.claimedBy } : {}),
    role: task.role,
    since: task.since,
    sinceLocal: toBeijingTime(task.since),
    dueAt: task.dueAt,
    dueAtLocal: task.dueAt && toBeijingTime(task.dueAt),
    overdue: task.dueAt !== null && task.dueAt < now,
    claimedBy: task.claimedBy,
    claimedAt: task.claimedAt,
  };
}

const itemView = (task: Task, process: ProcessRow, actor: Actor, standingInFor: readonly string[] = []): TaskItem => ({
  ...processView(process, actor),
  task: taskView(task, undefined, standingInFor),
});

export const taskRoutes =
  (deps: { store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    const { store } = deps;

    app.get('/tasks', { schema: { querystring: taskQuerySchema, response: answers({ 200: taskPageSchema }), summary: 'Your inbox: processes waiting for you, oldest first, with due times' } }, async (request) => {
      const { actor } = request;
      const { kind, partnerId, waitingSinceBefore, overdue, claimed, role, cursor, limit } = request.query;
      if (!inboxRoles.includes(actor.role))
        throw new HttpError(403, 'role_not_allowed', `Nothing waits for a ${actor.role} yet; the inbox is for partners, reviewers and ops.`);
      if (role && role !== actor.role && actor.role !== 'ops' && actor.role !== 'system')
        throw new HttpError(403, 'role_not_allowed', `Only ops and system may look into another role's inbox; you act as ${actor.role}.`);
      if (actor.role === 'partner' && partnerId && partnerId !== actor.partnerId)
        throw new HttpError(403, 'not_your_partner', 'A partner sees only its own inbox.');
      // While reviewers are away, what they hold is the caller's to decide too ("mine" includes it).
      const standingInFor = actor.role === 'reviewer' ? await store.staff.standingInFor(actor.id, new Date().toISOString()) : [];
      const page = await store.listTasks({
        role: role ?? actor.role,
        kind,
        partnerId: actor.role === 'partner' ? actor.partnerId : partnerId,
        waitingSinceBefore,
        overdueAt: overdue === 'true' ? new Date().toISOString() : undefined,
        claimedBy: claimed === 'mine' ? (standingInFor.length ? [actor.id, ...standingInFor] : actor.id) : claimed === 'unclaimed' ? null : undefined,
        limit,
        cursor,
      });
      return { items: page.items.map(({ task, process }) => itemView(task, process, actor, standingInFor)), ...(page.next ? { next: page.next } : {}) };
    });

    /** The reviewers' task of a process the caller may see, or why not. */
    async function reviewTask(actor: Actor, processId: string): Promise<{ task: Task; process: ProcessRow }> {
      if (!claimingRoles.includes(actor.role))
        throw new HttpError(403, 'role_not_allowed', `Claiming a review is for reviewers (and ops, to release); you act as ${actor.role}.`);
      const process = await store.getProcess(processId);
      if (!process || !mayRead(actor, process.partnerId)) throw new HttpError(404, 'not_found', `No process "${processId.slice(0, 200)}" is visible to you.`);
      const task = await store.getTask(processId, 'reviewer');
      if (!task) throw new HttpError(409, 'not_waiting_for_review', `Process ${processId} is not waiting for a reviewer (${process.label.en}); there is nothing to claim.`);
      return { task, process };
    }

    const params = z.object({ processId: z.string().min(1).max(300) });

    app.post('/tasks/:processId/claim', { bodyLimit: 1024, schema: { params, response: answers({ 200: taskItemSchema }), summary: 'Take a pending review, so that other reviewers see you hold it' } }, async (request) => {
      const { actor } = request;
      if (actor.role !== 'reviewer') throw new HttpError(403, 'role_not_allowed', `Only reviewers claim reviews; you act as ${actor.role}.`);
      const { process } = await reviewTask(actor, request.params.processId);
      // Nobody reviews their own submission (R72): holding it would only keep the others from deciding it.
      const refused = fourEyesAny((process.context as Partial<Reviewing> | null)?.reviews, actor);
      if (refused) throw new HttpError(refused.status, refused.code, refused.reason);
      const task = await store.claimTask(request.params.processId, 'reviewer', actor.id);
      if (!task) throw new HttpError(409, 'not_waiting_for_review', 'The review was decided meanwhile; there is nothing to claim.');
      if (task.claimedBy !== actor.id)
        throw new HttpError(409, 'claimed_by_other', `${task.claimedBy} holds this review since ${toBeijingTime(task.claimedAt!)}; ask them, or ops, to release it.`);
      return itemView(task, (await store.getProcess(task.processId))!, actor);
    });

    app.post('/tasks/:processId/release', { bodyLimit: 1024, schema: { params, body: releaseRequestSchema, response: answers({ 200: taskItemSchema }), summary: 'Let go of a review you hold (ops: anyone’s)' } }, async (request) => {
      const { actor } = request;
      const { task: before } = await reviewTask(actor, request.params.processId);
      // The delegate of a reviewer away may let go of what that reviewer holds.
      const holder = before.claimedBy && before.claimedBy !== actor.id && (await store.staff.delegateOf(before.claimedBy, new Date().toISOString())) === actor.id ? before.claimedBy : actor.id;
      if (before.claimedBy && before.claimedBy !== holder && actor.role !== 'ops')
        throw new HttpError(409, 'claimed_by_other', `${before.claimedBy} holds this review, not you; only they, their delegate while they are away, or ops can release it.`);
      const release = () => store.releaseTask(before.processId, 'reviewer', actor.role === 'ops' ? undefined : holder);
      // Ops freeing someone else's hold is a repair: audited like the others (GET /v1/repairs).
      const task =
        actor.role === 'ops' && before.claimedBy && before.claimedBy !== actor.id
          ? await auditedRepair(store, actor, before.processId, 'release-review', request.body?.reason ?? 'released from the inbox (POST /v1/tasks/:id/release)', { heldBy: before.claimedBy }, async () => {
              if (!(await release())) throw new Error('the review was decided meanwhile');
            }).then(() => store.getTask(before.processId, 'reviewer'))
          : await release();
      if (!task) throw new HttpError(409, 'not_waiting_for_review', 'The review was decided meanwhile; there is nothing to release.');
      return itemView(task, (await store.getProcess(task.processId))!, actor);
    });
  };
