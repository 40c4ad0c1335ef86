import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { urlProblem, type WebhookTargetPolicy } from '../../activities/webhookTargets';
import { toBeijingTime } from '../../machines/time';
import type { Actor } from '../../machines/types';
import type { OutboxRow, Store, WebhookEndpoint } from '../../store/db';
import type { Sealer } from '../../worker/sealer';
import { HttpError } from '../errors';
import {
  answers,
  webhookDeliveryPageSchema,
  webhookDeliverySchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
  type WebhookDelivery,
  type WebhookEndpointView,
} from '../schemas';
import { deliveryQuerySchema, webhookPatchSchema, webhookRequestSchema } from '../requests';

/**
 * Partners' webhook endpoints (Standard Webhooks): every recorded step of the partner's own processes,
 * and if subscribed every notification to it, is POSTed to each enabled endpoint, signed, in order per
 * process, retried with backoff for at least a day (activities/dispatcher.ts). A partner manages its own
 * endpoints only; another partner's is 404.
 */

export interface WebhookRouteDeps {
  store: Store;
  /** Seals the signing secrets in the records store. */
  sealer: Sealer;
  /** Which receivers this deployment allows (WEBHOOK_TARGETS). */
  targets: WebhookTargetPolicy;
  /** How many endpoints one partner may have. */
  maxEndpoints?: number;
}

/** The old secret keeps signing beside the new one for a day after a rotation, so receivers can switch without a failed delivery. */
const previousSecretValidMs = 24 * 3600 * 1000;

const params = z.object({ id: z.string().max(100) });

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

function endpointView(e: WebhookEndpoint, now = new Date().toISOString()): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    enabled: e.enabled,
    disabledAt: e.disabledAt,
    disabledReason: e.disabledReason,
    failingSince: e.failingSince,
    lastSuccessAt: e.lastSuccessAt,
    previousSecretExpiresAt: e.previousSecretUntil && e.previousSecretUntil > now ? e.previousSecretUntil : null,
    createdAt: e.createdAt,
    createdAtLocal: toBeijingTime(e.createdAt),
    updatedAt: e.updatedAt,
  };
}

function deliveryView(m: OutboxRow): WebhookDelivery {
  return {
    id: m.deliveryId ?? m.key,
    type: m.subject as WebhookDelivery['type'],
    processId: m.processId,
    seq: m.seq,
    status: m.status === 'held' ? 'pending' : m.status,
    attempts: m.attempts,
    createdAt: m.createdAt,
    createdAtLocal: toBeijingTime(m.createdAt),
    lastAttemptAt: m.lastAttemptAt,
    nextAttemptAt: m.status === 'pending' || m.status === 'failed' ? (m.nextAttemptAt ?? m.createdAt) : null,
    sentAt: m.sentAt,
    answer: m.lastAnswer,
    payload: JSON.parse(m.body) as unknown,
  };
}

export const webhookRoutes =
  (deps: WebhookRouteDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { store, sealer, targets } = deps;
    const maxEndpoints = deps.maxEndpoints ?? 10;

    const partnerOf = (actor: Actor): string => {
      if (actor.role !== 'partner' || !actor.partnerId)
        throw new HttpError(403, 'role_not_allowed', `Webhooks are registered by a partner for its own processes; you act as ${actor.role}.`);
      return actor.partnerId;
    };
    /** The caller's endpoint; another partner's is as unknown as one that does not exist. */
    const ownEndpoint = async (actor: Actor, id: string) => {
      const partnerId = partnerOf(actor);
      const endpoint = await store.webhooks.get(id);
      if (!endpoint || endpoint.partnerId !== partnerId) throw new HttpError(404, 'not_found', `You have no webhook endpoint "${id}".`);
      return endpoint;
    };
    const checkUrl = async (text: string) => {
      const problem = await urlProblem(text, targets);
      if (problem) throw new HttpError(422, 'invalid_webhook_url', `The webhook URL is refused: ${problem}.`);
    };

    app.post(
      '/webhooks',
      {
        schema: {
          summary: 'Register a webhook endpoint: every recorded step of your processes (and, if subscribed, every notification) is POSTed to it, signed (Standard Webhooks)',
          body: webhookRequestSchema,
          response: answers({ 201: webhookEndpointWithSecretSchema }),
        },
      },
      async (request, reply) => {
        const partnerId = partnerOf(request.actor);
        await checkUrl(request.body.url);
        if ((await store.webhooks.list(partnerId)).length >= maxEndpoints)
          throw new HttpError(409, 'too_many_webhooks', `A partner may have ${maxEndpoints} webhook endpoints; delete one first.`);
        const now = new Date().toISOString();
        const secret = newSecret();
        const endpoint: WebhookEndpoint = {
          id: `ep_${randomBytes(12).toString('base64url')}`,
          partnerId,
          url: request.body.url,
          events: request.body.events ?? ['process.step'],
          secret: sealer.seal(secret),
          previousSecret: null,
          previousSecretUntil: null,
          enabled: true,
          disabledAt: null,
          disabledReason: null,
          failingSince: null,
          lastSuccessAt: null,
          createdBy: request.actor.id,
          createdAt: now,
          updatedAt: now,
        };
        await store.webhooks.create(endpoint);
        return reply.status(201).send({ ...endpointView(endpoint), secret });
      },
    );

    app.get('/webhooks', { schema: { summary: 'Your webhook endpoints (without their secrets)', response: answers({ 200: webhookEndpointListSchema }) } }, async (request) => ({
      items: (await store.webhooks.list(partnerOf(request.actor))).map((e) => endpointView(e)),
    }));

    app.get('/webhooks/:id', { schema: { summary: 'One of your webhook endpoints', params, response: answers({ 200: webhookEndpointSchema }) } }, async (request) =>
      endpointView(await ownEndpoint(request.actor, request.params.id)),
    );

    app.patch(
      '/webhooks/:id',
      {
        schema: {
          summary: 'Change an endpoint’s URL or events, or disable it, or enable it again after it was disabled',
          params,
          body: webhookPatchSchema,
          response: answers({ 200: webhookEndpointSchema }),
        },
      },
      async (request) => {
        const endpoint = await ownEndpoint(request.actor, request.params.id);
        if (request.body.url !== undefined) await checkUrl(request.body.url);
        return endpointView((await store.webhooks.update(endpoint.id, request.body))!);
      },
    );

    app.delete(
      '/webhooks/:id',
      { schema: { summary: 'Delete an endpoint; deliveries not yet made are given up', params, response: answers({ 204: z.null().describe('Deleted') }) } },
      async (request, reply) => {
        const endpoint = await ownEndpoint(request.actor, request.params.id);
        await store.webhooks.remove(endpoint.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/webhooks/:id/rotate-secret',
      {
        schema: {
          summary: 'A new signing secret, shown once; deliveries carry signatures with both secrets for 24 hours',
          params,
          response: answers({ 200: webhookEndpointWithSecretSchema }),
        },
      },
      async (request) => {
        const endpoint = await ownEndpoint(request.actor, request.params.id);
        const secret = newSecret();
        const rotated = await store.webhooks.rotateSecret(endpoint.id, {
          secret: sealer.seal(secret),
          previousSecret: endpoint.secret,
          previousSecretUntil: new Date(Date.now() + previousSecretValidMs).toISOString(),
        });
        return { ...endpointView(rotated!), secret };
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          summary: 'The delivery log of an endpoint, newest first: status, attempts, the receiver’s answer',
          params,
          querystring: deliveryQuerySchema,
          response: answers({ 200: webhookDeliveryPageSchema }),
        },
      },
      async (request) => {
        const endpoint = await ownEndpoint(request.actor, request.params.id);
        const page = await store.webhooks.listDeliveries({ endpointId: endpoint.id, ...request.query });
        return { items: page.items.map(deliveryView), ...(page.next ? { next: page.next } : {}) };
      },
    );

    app.post(
      '/webhooks/:id/deliveries/:deliveryId/redeliver',
      {
        schema: {
          summary: 'Deliver again (same webhook-id): due at once, its retries counted afresh',
          params: z.object({ id: z.string().max(100), deliveryId: z.string().max(100) }),
          response: answers({ 202: webhookDeliverySchema }),
        },
      },
      async (request, reply) => {
        const endpoint = await ownEndpoint(request.actor, request.params.id);
        if (!endpoint.enabled)
          throw new HttpError(409, 'endpoint_disabled', 'The endpoint is disabled; enable it with PATCH {"enabled": true} before redelivering.');
        const result = await store.webhooks.redeliver(endpoint.id, request.params.deliveryId);
        if (!result.ok && result.reason === 'in_flight') throw new HttpError(409, 'delivery_in_flight', 'This delivery is being attempted right now; look again in a moment.');
        if (!result.ok) throw new HttpError(404, 'not_found', `Endpoint ${endpoint.id} has no delivery "${request.params.deliveryId}".`);
        return reply.status(202).send(deliveryView(result.delivery));
      },
    );
  };
