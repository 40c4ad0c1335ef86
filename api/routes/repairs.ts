import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProcessClient } from '../../engineClient';
import { cancelRun, RepairRefused, resendFacts, resetRun, runStatus, terminateRun } from '../../engineClient/repairs';
import { billRunAt } from '../../machines/billPeriod';
import { toBeijingTime } from '../../machines/time';
import type { Actor, Announcement, FactName } from '../../machines/types';
import type { Store } from '../../store/db';
import type { Repair } from '../../store/repairs';
import { HttpError } from '../errors';
import { billRunRequestSchema, repairQuerySchema, repairRequestSchema, type RepairRequest } from '../requests';
import { answers, repairOutcomeSchema, repairPageSchema, type RepairOutcome } from '../schemas';

/**
 * Ops' repairs of a process's run (docs/OPERATIONS.md): cancel, terminate, reset, release a review someone
 * holds, tell a process its partner's facts again. Through the API, not the engine, so that each is
 * authenticated, refused with a reason when it cannot apply, and audited: written before it is tried
 * (`requested`), then `done` or `failed`, with who, why and when (`GET /v1/repairs`).
 */

export const repairView = (r: Repair) => ({
  ...r,
  requestedAtLocal: toBeijingTime(r.requestedAt),
  finishedAtLocal: r.finishedAt && toBeijingTime(r.finishedAt),
});

/** Records a repair, runs it, and records how it went; a failure is answered 409 with the engine's reason. */
export async function auditedRepair(
  store: Store,
  actor: Actor,
  processId: string,
  action: string,
  reason: string,
  detail: Record<string, unknown>,
  run: () => Promise<Omit<RepairOutcome, keyof Repair | 'requestedAtLocal' | 'finishedAtLocal'> | void>,
): Promise<RepairOutcome> {
  const id = randomUUID();
  await store.repairs.begin({ id, processId, action, reason, detail, actorId: actor.id, actorRole: actor.role, requestedAt: new Date().toISOString() });
  try {
    const outcome = (await run()) ?? {};
    return { ...repairView(await store.repairs.finish(id, 'done', null, new Date().toISOString())), ...outcome };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await store.repairs.finish(id, 'failed', message.slice(0, 1000), new Date().toISOString());
    throw new HttpError(409, 'repair_failed', `The ${action} did not go through: ${message.slice(0, 300)}`);
  }
}

const opsOnly = async (request: { actor: Actor }) => {
  if (request.actor.role !== 'ops') throw new HttpError(403, 'role_not_allowed', `Repairs are for ops; you act as ${request.actor.role}.`);
};

export const repairRoutes =
  (deps: { client: ProcessClient; store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    const { client, store } = deps;
    const temporal = client.temporal;

    const audited = (actor: Actor, processId: string, body: RepairRequest, detail: Record<string, unknown>, run: Parameters<typeof auditedRepair>[6]) =>
      auditedRepair(store, actor, processId, body.action, body.reason, detail, run);

    app.post(
      '/processes/:id/repairs',
      {
        bodyLimit: 4096,
        onRequest: opsOnly,
        schema: { params: z.object({ id: z.string().min(1).max(300) }), body: repairRequestSchema, response: answers({ 201: repairOutcomeSchema }), summary: 'Ops: cancel, terminate, reset a run, release a review, resend facts; audited' },
      },
      async (request, reply) => {
        const { actor, body } = request;
        const row = await store.getProcess(request.params.id);
        if (!row) throw new HttpError(404, 'not_found', `No process "${request.params.id.slice(0, 200)}" exists.`);
        const processId = row.id;
        const running = async () => {
          const status = await runStatus(temporal, processId);
          if (status !== 'RUNNING') throw new HttpError(409, 'not_running', `The run of ${processId} is ${status?.toLowerCase() ?? 'gone from the engine'}; there is nothing to ${body.action}.`);
        };
        let result: RepairOutcome;
        switch (body.action) {
          case 'cancel':
          case 'terminate':
            await running();
            result = await audited(actor, processId, body, {}, async () => {
              if (body.action === 'cancel') await cancelRun(temporal, processId);
              else await terminateRun(temporal, processId, `${body.reason} (by ${actor.id} through the partnerflow API)`);
              // The run will not decide the reviews it waited for: take them off the inboxes.
              await store.endTasks(processId);
            });
            break;
          case 'reset': {
            if (body.to !== undefined && body.eventId !== undefined) throw new HttpError(422, 'invalid_body', 'Name either "to" or "eventId", not both.');
            const to = body.eventId !== undefined ? { eventId: body.eventId } : { point: body.to ?? ('last-workflow-task' as const) };
            try {
              result = await audited(actor, processId, body, to, async () => resetRun(temporal, temporal.options.namespace, processId, to, `${body.reason} (by ${actor.id} through the partnerflow API)`));
            } catch (err) {
              if (err instanceof HttpError && err.code === 'repair_failed' && /completed workflow task/.test(err.reason)) throw new HttpError(422, 'invalid_reset_point', err.reason);
              throw err;
            }
            break;
          }
          case 'release-review': {
            const task = await store.getTask(processId, 'reviewer');
            if (!task) throw new HttpError(409, 'not_waiting_for_review', `Process ${processId} is not waiting for a reviewer; there is nothing to release.`);
            if (!task.claimedBy) throw new HttpError(409, 'not_claimed', 'Nobody holds this review; there is nothing to release.');
            result = await audited(actor, processId, body, { heldBy: task.claimedBy }, async () => {
              if (!(await store.releaseTask(processId, 'reviewer'))) throw new RepairRefused('the review was decided meanwhile');
            });
            break;
          }
          case 'resend-facts': {
            await running();
            const partner = await store.getPartner(row.partnerId);
            const announcements: Announcement[] = [
              ...Object.entries(partner?.facts ?? {})
                .filter(([, value]) => value === true)
                .map(([name]) => ({ fact: name as FactName, value: true, ...(name === 'emailBound' && partner?.contact.email ? { email: partner.contact.email } : {}) })),
              ...(partner?.certifiedRoles ?? []).map((role) => ({ fact: 'roleCertified' as const, role })),
            ];
            if (announcements.length === 0) throw new HttpError(409, 'no_facts', `Partner ${row.partnerId} has established no facts yet; there is nothing to resend.`);
            result = await audited(actor, processId, body, { facts: announcements }, () => resendFacts(temporal, processId, announcements));
            break;
          }
        }
        return reply.status(201).send(result);
      },
    );

    // The billing run again for a month (a source fixed, a run that failed): through the API, audited like a repair,
    // instead of a start typed at the engine.
    app.post(
      '/bills/runs',
      {
        bodyLimit: 4096,
        onRequest: opsOnly,
        schema: {
          body: billRunRequestSchema,
          response: answers({ 202: repairOutcomeSchema }),
          summary: "Ops: run a month's partner bills again (R60); bills already issued stay as they are; audited",
        },
      },
      async (request, reply) => {
        const { actor, body } = request;
        const asOf = billRunAt(body.month);
        // Before its own run a month is not closed: a bill made early would stand in for the right one (bills are named by month).
        if (Date.parse(asOf) > Date.now())
          throw new HttpError(422, 'month_not_billed_yet', `The ${body.month} bills are first run on ${toBeijingTime(asOf)} (GMT+08:00); a month can be run again only after that.`);
        // Listed in the audit under `partner-bills:<month>` (GET /v1/repairs?processId=partner-bills:2026-05).
        const result = await auditedRepair(store, actor, `partner-bills:${body.month}`, 'bill-run', body.reason, { month: body.month, asOf }, async () => ({
          runId: (await client.startBillRun(body.month, asOf)).runId,
        }));
        return reply.status(202).send(result);
      },
    );

    app.get(
      '/repairs',
      {
        onRequest: opsOnly,
        schema: {
          querystring: repairQuerySchema,
          response: answers({ 200: repairPageSchema }),
          summary: "Ops: the repairs made through the API, newest first (who, why, when, how it went)",
        },
      },
      async (request) => {
        const page = await store.repairs.list(request.query);
        return { items: page.items.map(repairView), ...(page.next ? { next: page.next } : {}) };
      },
    );
  };
