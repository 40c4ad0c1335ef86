import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { customerProcessIdFor, processIdFor, type ProcessClient } from '../../engineClient';
import type { Actor } from '../../machines/types';
import { describeIssues } from '../../machines/policy';
import { kindOf, registry } from '../../machines/registry';
import type { Store } from '../../store/db';
import { applyAction, visibleProcess } from '../actions';
import { seesAllPartners } from '../auth';
import { HttpError } from '../errors';
import { refuseUnsafeLinks } from '../links';
import { reserveSmsCode, type SmsQuota, type SmsReservation } from '../smsQuota';
import { actionSchema, idempotencyKeySchema, processQuerySchema, startRequestSchema } from '../requests';
import { answers, processPageSchema, processViewSchema } from '../schemas';
import { processView } from '../views';

export const processRoutes =
  (deps: { client: ProcessClient; store: Store; limits: SmsQuota }): FastifyPluginAsyncZod =>
  async (app) => {
    const { client, store, limits } = deps;

    /** The process a customer's start names: its own key space, or the one an earlier release gave it (same key, started by it). */
    async function customerProcessId(kind: Parameters<typeof processIdFor>[0], partnerId: string, actor: Actor, key: string) {
      const legacy = kind.oncePerPartner ? undefined : await store.getProcess(processIdFor(kind, partnerId, `${actor.customerId}.${key}`));
      if (legacy && legacy.customerId === actor.customerId && legacy.startedBy === actor.id) return legacy.id;
      return kind.oncePerPartner ? processIdFor(kind, partnerId) : customerProcessIdFor(kind, partnerId, actor.customerId!, key);
    }

    /** An SMS verification code this request will cause (R66), counted against the day's quotas first. */
    async function smsCodeFor(kind: string, partnerId: string, phone: unknown): Promise<SmsReservation | undefined> {
      if (kind !== 'customer-creation' || typeof phone !== 'string') return undefined;
      return reserveSmsCode(store, limits, partnerId, phone);
    }

    app.post(
      '/processes',
      { schema: { body: startRequestSchema, headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }), response: answers({ 200: processViewSchema.describe('The process these parameters name, started before'), 201: processViewSchema.describe('Started') }), summary: 'Start a process (or get the one these parameters name)' } },
      async (request, reply) => {
        const { actor } = request;
        const { kind: kindName, input, businessKey, partnerId: named } = request.body;
        const kind = kindOf(kindName);
        if (!kind) throw new HttpError(422, 'unknown_kind', `"${kindName.slice(0, 100)}" is not a process kind; the kinds are ${Object.keys(registry).join(', ')}.`);
        if (!kind.startRoles.includes(actor.role))
          throw new HttpError(403, 'role_not_allowed', `A ${kind.name} process can be started only by ${kind.startRoles.join(' or ')}; you act as ${actor.role}.`);
        // A partner's or customer's key names the partner; staff name it in the body.
        if (actor.partnerId && named && named !== actor.partnerId)
          throw new HttpError(403, 'not_your_partner', `Your key acts for partner ${actor.partnerId}; it cannot start a process for ${named.slice(0, 100)}.`);
        const partnerId = actor.partnerId ?? named;
        if (!partnerId) throw new HttpError(422, 'partner_required', `Name the partner this ${kind.name} process is about: "partnerId" in the body.`);
        const parsed = kind.input.safeParse(input);
        if (!parsed.success) throw new HttpError(422, 'invalid_input', `The input of ${kind.name} is invalid: ${describeIssues(parsed.error)}.`);
        refuseUnsafeLinks(parsed.data, `The input of ${kind.name}`);
        const refused = kind.startRefusal?.(parsed.data, actor);
        if (refused) throw new HttpError(refused.status, refused.code, refused.reason);

        // A customer's business keys are its own: neither its partner nor another customer of it ever names its process.
        const key = businessKey ?? request.headers['idempotency-key'] ?? randomUUID();
        const processId = actor.role === 'customer' ? await customerProcessId(kind, partnerId, actor, key) : processIdFor(kind, partnerId, key);
        const existing = await store.getProcess(processId);
        let created = false;
        if (!existing) {
          const sms = await smsCodeFor(kind.name, partnerId, (parsed.data as { phone?: unknown }).phone);
          try {
            ({ created } = await client.start({ kind, processId, partnerId, businessKey: businessKey ?? null, input: parsed.data, startedBy: actor }));
          } finally {
            if (!created) await sms?.release();
          }
        }
        const row = await visibleProcess(deps, actor, processId);
        return reply.status(created ? 201 : 200).send(processView(row, actor, await store.listRecords(processId)));
      },
    );

    app.get(
      '/processes',
      { schema: { querystring: processQuerySchema, response: answers({ 200: processPageSchema }), summary: 'List processes, newest first' } },
      async (request) => {
        const { actor } = request;
        const query = request.query;
        if (!seesAllPartners(actor) && actor.role !== 'partner' && actor.role !== 'customer')
          throw new HttpError(403, 'role_not_allowed', 'Listing processes is for partners, customers, reviewers, ops and system.');
        if ((actor.role === 'partner' || actor.role === 'customer') && query.partnerId && query.partnerId !== actor.partnerId)
          throw new HttpError(403, 'not_your_partner', `A ${actor.role} can list only its own processes.`);
        if (actor.role === 'customer' && query.customerId && query.customerId !== actor.customerId)
          throw new HttpError(403, 'not_your_customer', 'A customer can list only the processes about its own account.');
        // A customer lists the processes about its own account with its partner.
        const partnerId = actor.role === 'partner' || actor.role === 'customer' ? actor.partnerId : query.partnerId;
        const customerId = actor.role === 'customer' ? actor.customerId : query.customerId;
        const page = await store.listProcesses({ ...query, partnerId, customerId });
        return { items: page.items.map((row) => processView(row, actor)), ...(page.next ? { next: page.next } : {}) };
      },
    );

    app.get(
      '/processes/:id',
      { schema: { params: z.object({ id: z.string().max(300) }), response: answers({ 200: processViewSchema }), summary: 'A process: state, labels, allowed actions, records' } },
      async (request) => {
        const row = await visibleProcess(deps, request.actor, request.params.id);
        return processView(row, request.actor, await store.listRecords(row.id));
      },
    );

    app.post(
      '/processes/:id/actions',
      {
        schema: {
          params: z.object({ id: z.string().max(300) }),
          body: actionSchema,
          headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional(), 'if-match': z.string().max(100).optional() }),
          response: answers({ 200: processViewSchema }),
          summary: 'Send an event (SUBMIT, APPROVE, …); refusals change nothing',
        },
      },
      async (request) => {
        const { actor } = request;
        const next = await applyAction(deps, actor, request.params.id, request.body, {
          ifMatch: request.headers['if-match'],
          idempotencyKey: request.headers['idempotency-key'],
        });
        return processView(next, actor, await store.listRecords(next.id));
      },
    );
  };
