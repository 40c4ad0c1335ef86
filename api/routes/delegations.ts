import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { beijingClock, toBeijingTime } from '../../machines/time';
import type { Actor } from '../../machines/types';
import { DelegationConflict, type Delegation, type Store } from '../../store/db';
import { HttpError } from '../errors';
import { delegationRequestSchema } from '../requests';
import { answers, delegationListSchema, delegationSchema, type DelegationView } from '../schemas';

/**
 * A reviewer away (`PUT /v1/reviewers/:id/delegation`): from `from` until `until` a delegate decides the
 * reviews the reviewer holds, on their behalf, and gets their reminders. The reviewer sets it, or ops for
 * them. Four-eyes (R72) holds for both people: the edge and the process refuse a decision either submitted.
 */

const maxPeriodMs = 366 * 24 * 3600 * 1000;

const params = z.object({ id: z.string().min(1).max(100) });

export function delegationView(d: Delegation, now = new Date().toISOString()): DelegationView {
  return {
    id: d.id,
    reviewer: d.reviewerId,
    to: d.delegateId,
    from: d.from,
    fromLocal: toBeijingTime(d.from),
    until: d.until,
    untilLocal: toBeijingTime(d.until),
    active: d.cancelledAt === null && d.from <= now && now < d.until,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
  };
}

/** Only the reviewer themselves, or ops, say who stands in for them. */
function mayDelegateFor(actor: Actor, reviewerId: string) {
  if (actor.role === 'ops' || (actor.role === 'reviewer' && actor.id === reviewerId)) return;
  throw new HttpError(403, 'not_your_delegation', `Only ${reviewerId} (as reviewer) or ops may say who stands in for ${reviewerId}; you act as ${actor.id} (${actor.role}).`);
}

export const delegationRoutes =
  (deps: { store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    const { store } = deps;

    const reviewer = async (id: string) => {
      if (!(await store.staff.getPerson(id, 'reviewer'))) throw new HttpError(404, 'no_such_reviewer', `"${id.slice(0, 100)}" is not a reviewer known to partnerflow.`);
    };

    app.put(
      '/reviewers/:id/delegation',
      { schema: { params, body: delegationRequestSchema, response: answers({ 200: delegationSchema.describe('The same delegation, set before'), 201: delegationSchema.describe('Set') }), summary: 'Set who stands in for a reviewer while away: their held reviews and reminders go to the delegate' } },
      async (request, reply) => {
        const { actor } = request;
        const reviewerId = request.params.id;
        mayDelegateFor(actor, reviewerId);
        await reviewer(reviewerId);
        const { to } = request.body;
        const now = new Date().toISOString();
        const from = request.body.from ? new Date(request.body.from).toISOString() : now;
        const until = new Date(request.body.until).toISOString();
        if (to === reviewerId) throw new HttpError(422, 'delegate_is_self', `${reviewerId} cannot stand in for themselves; name another reviewer.`);
        if (!(await store.staff.getPerson(to, 'reviewer')))
          throw new HttpError(422, 'delegate_not_reviewer', `"${to.slice(0, 100)}" is not a reviewer known to partnerflow; only a reviewer may decide reviews on ${reviewerId}'s behalf.`);
        if (until <= now) throw new HttpError(422, 'period_in_past', `The period ends at ${beijingClock(until)}, which has passed; a delegation is for now or later.`);
        if (until <= from) throw new HttpError(422, 'period_empty', `"until" (${beijingClock(until)}) must be after "from" (${beijingClock(from)}).`);
        if (Date.parse(until) - Date.parse(from) > maxPeriodMs) throw new HttpError(422, 'period_too_long', 'A delegation lasts at most a year; set another one after it.');
        try {
          const { delegation, created } = await store.staff.addDelegation({
            id: randomUUID(),
            reviewerId,
            delegateId: to,
            from,
            until,
            createdBy: actor.id,
            createdAt: now,
            cancelledAt: null,
            cancelledBy: null,
          });
          return reply.status(created ? 201 : 200).send(delegationView(delegation));
        } catch (err) {
          if (!(err instanceof DelegationConflict)) throw err;
          const other = err.other;
          const period = `${beijingClock(other.from)} – ${beijingClock(other.until)}`;
          if (err.code === 'overlapping_delegation')
            throw new HttpError(422, 'overlapping_delegation', `${reviewerId} already has ${other.delegateId} standing in from ${period}, which overlaps this period; cancel it first or choose another period.`);
          if (err.code === 'reviewer_is_delegate')
            throw new HttpError(
              422,
              'reviewer_is_delegate',
              `${reviewerId} stands in for ${other.reviewerId} from ${period}, which overlaps this period; a delegate cannot pass that on. Ask ${other.reviewerId} (or ops) to change their delegation first, or choose another period.`,
            );
          throw new HttpError(422, 'delegate_away', `${to} is away themselves from ${period} (${other.delegateId} stands in for them); choose a delegate who is here.`);
        }
      },
    );

    app.get('/reviewers/:id/delegations', { schema: { params, response: answers({ 200: delegationListSchema }), summary: "A reviewer's current and coming delegations" } }, async (request) => {
      const { actor } = request;
      if (actor.role !== 'reviewer' && actor.role !== 'ops') throw new HttpError(403, 'role_not_allowed', `Delegations are for reviewers and ops; you act as ${actor.role}.`);
      await reviewer(request.params.id);
      return { items: (await store.staff.listDelegations(request.params.id, new Date().toISOString())).map((d) => delegationView(d)) };
    });

    app.delete(
      '/reviewers/:id/delegations/:delegationId',
      { schema: { params: params.extend({ delegationId: z.string().min(1).max(100) }), response: answers({ 200: delegationSchema }), summary: 'Call a delegation off (the reviewer is back)' } },
      async (request) => {
        const { actor } = request;
        mayDelegateFor(actor, request.params.id);
        const found = await store.staff.getDelegation(request.params.delegationId);
        if (!found || found.reviewerId !== request.params.id)
          throw new HttpError(404, 'not_found', `${request.params.id} has no delegation "${request.params.delegationId.slice(0, 100)}".`);
        return delegationView((await store.staff.cancelDelegation(found.id, actor.id, new Date().toISOString()))!);
      },
    );
  };
