import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toBeijingTime } from '../../machines/time';
import type { Store } from '../../store/db';
import { HttpError } from '../errors';
import { invitationRequestSchema } from '../requests';
import { answers, customerSchema, invitationSchema } from '../schemas';
import { customerView } from './customers';

/**
 * A customer manager's invitations (R65): by email, link or QR code. A customer who associates through
 * one belongs to that manager from then on; the partner need not assign one.
 */

const validForMs = 30 * 24 * 3600 * 1000;

export const invitationRoutes =
  (deps: { store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    const { store } = deps;

    app.post('/invitations', { bodyLimit: 2048, schema: { body: invitationRequestSchema, response: answers({ 201: invitationSchema }), summary: 'A customer manager invites a customer by email, link or QR code (R65)' } }, async (request, reply) => {
      const { actor } = request;
      if (actor.role !== 'manager' || !actor.partnerId)
        throw new HttpError(403, 'role_not_allowed', `Invitations are sent by customer managers; you act as ${actor.role}.`);
      const now = new Date();
      const token = randomBytes(18).toString('base64url');
      const invitation = {
        token, partner_id: actor.partnerId, manager_id: actor.id, channel: request.body.channel, email: request.body.email ?? null,
        created_at: now.toISOString(), expires_at: new Date(now.getTime() + validForMs).toISOString(), used_by: null, used_at: null,
      };
      await store.customers.createInvitation(invitation);
      const acceptPath = `/v1/invitations/${token}/accept`;
      if (invitation.email) {
        const key = `invitation:${token}/0/email/${invitation.email}`;
        const message = {
          key, processId: `invitation:${token}`, seq: 0, channel: 'email' as const, recipient: invitation.email, audience: 'customer' as const,
          subject: 'An invitation to your partner / 合作伙伴邀请',
          body: `Your customer manager ${actor.id} invites you to associate with partner ${actor.partnerId}: ${acceptPath}\n\n您的客户经理 ${actor.id} 邀请您关联为合作伙伴 ${actor.partnerId} 的子客户：${acceptPath}`,
          status: 'pending' as const, createdAt: now.toISOString(), sentAt: null,
        };
        // Sent by the workers' outbox dispatcher, like every message (R74): retried, never twice.
        await store.insertOutbox([message]);
      }
      return reply.status(201).send({
        token,
        channel: invitation.channel,
        managerId: invitation.manager_id,
        partnerId: invitation.partner_id,
        ...(invitation.email ? { email: invitation.email } : {}),
        acceptPath,
        // What the QR code encodes (and what the link is): the accept address.
        ...(invitation.channel === 'qr' ? { qrContent: acceptPath } : {}),
        expiresAt: invitation.expires_at,
        expiresAtLocal: toBeijingTime(invitation.expires_at),
      });
    });

    app.post(
      '/invitations/:token/accept',
      { bodyLimit: 1024, schema: { params: z.object({ token: z.string().max(100) }), response: answers({ 200: customerSchema }), summary: "A customer associates through a manager's invitation and belongs to that manager (R65)" } },
      async (request) => {
        const { actor } = request;
        if (actor.role !== 'customer' || !actor.customerId)
          throw new HttpError(403, 'role_not_allowed', `An invitation is accepted by a customer; you act as ${actor.role}.`);
        const invitation = await store.customers.getInvitation(request.params.token);
        if (!invitation) throw new HttpError(404, 'not_found', 'No such invitation.');
        const now = new Date().toISOString();
        if (now >= invitation.expires_at) throw new HttpError(409, 'invitation_expired', `This invitation expired at ${toBeijingTime(invitation.expires_at)}; ask the manager for a new one.`);
        if (actor.partnerId && actor.partnerId !== invitation.partner_id)
          throw new HttpError(409, 'associated_with_another_partner', `Your account is associated with partner ${actor.partnerId}; disassociate first to join ${invitation.partner_id}.`);
        // Customer ids are per partner: another partner's customer "hua" (one it created) is someone else; what
        // tells that this customer is associated elsewhere is a row it made by accepting another partner's invitation.
        const joinedElsewhere = (await store.customers.findCustomers(actor.customerId)).find((c) => c.joinedVia === 'invitation' && c.partnerId !== invitation.partner_id);
        if (joinedElsewhere)
          throw new HttpError(409, 'associated_with_another_partner', `Your account is associated with partner ${joinedElsewhere.partnerId}; disassociate first to join ${invitation.partner_id}.`);
        const existing = await store.customers.getCustomer(invitation.partner_id, actor.customerId);
        // A customer who already has a manager keeps it: refused before an emailed invitation is used up for nothing.
        const managed = existing && (await store.customers.managerPeriods({ customer: { partnerId: existing.partnerId, id: existing.id } })).some((p) => p.until === null);
        if (managed)
          throw new HttpError(409, 'already_managed', 'Your account already has a customer manager; the partner can assign another one.');
        if (invitation.channel === 'email' && !(await store.customers.useInvitation(invitation.token, actor.customerId, now)))
          throw new HttpError(409, 'invitation_used', 'This emailed invitation was already used by another customer.');
        const customer = existing ?? (await store.customers.associateByInvitation({ id: actor.customerId, partnerId: invitation.partner_id, name: actor.id, at: now }));
        // Joining through the invitation makes the inviting manager the customer's manager.
        await store.customers.assignManager({ customerId: customer.id, partnerId: customer.partnerId, managerId: invitation.manager_id, via: 'invitation', at: now, by: actor });
        return customerView(customer, await store.customers.managerPeriods({ customer: { partnerId: customer.partnerId, id: customer.id } }));
      },
    );
  };
