import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toBeijingTime } from '../../machines/time';
import type { Actor, Role } from '../../machines/types';
import type { KeyEvent, ManagedKey, Store } from '../../store/db';
import { HttpError } from '../errors';
import { keyPrefix, keyStatus, newKey } from '../managedKeys';
import { keyEventQuerySchema, keyQuerySchema, keyRequestSchema } from '../requests';
import { answers, createdKeySchema, keyEventPageSchema, managedKeyPageSchema, managedKeySchema, type KeyEventView, type ManagedKeyView } from '../schemas';

/**
 * Managed API keys (`/v1/keys`): ops manage every key; a partner manages the keys of its own people and
 * apps, never another partner's, never a staff role, and never its customers' (a customer key names its
 * partner, but it is the customer's own: the partner neither lists nor revokes it). A key is shown once,
 * when it is made; lists show its prefix. Revoking takes effect at the next request. Every creation,
 * revocation and expiry is in the audit list.
 */

/** Roles a partner may give its own people and apps. */
const partnerGrantable: readonly Role[] = ['partner', 'manager'];
const managers: readonly Role[] = ['ops', 'partner'];

const local = (at: string | null) => at && toBeijingTime(at);

export function keyView(key: ManagedKey): ManagedKeyView {
  return {
    keyId: key.keyId,
    prefix: keyPrefix(key.keyId),
    id: key.id,
    role: key.role,
    partnerId: key.partnerId,
    customerId: key.customerId,
    name: key.name,
    email: key.email,
    status: keyStatus(key),
    createdAt: key.createdAt,
    createdAtLocal: toBeijingTime(key.createdAt),
    createdBy: key.createdBy,
    expiresAt: key.expiresAt,
    expiresAtLocal: local(key.expiresAt),
    revokedAt: key.revokedAt,
    revokedAtLocal: local(key.revokedAt),
    revokedBy: key.revokedBy,
    lastUsedAt: key.lastUsedAt,
    lastUsedAtLocal: local(key.lastUsedAt),
  };
}

const eventView = (event: KeyEvent): KeyEventView => ({ ...event, atLocal: toBeijingTime(event.at) });

function mayManage(actor: Actor) {
  if (!managers.includes(actor.role))
    throw new HttpError(403, 'role_not_allowed', `API keys are managed by ops, and by a partner for its own people and apps; you act as ${actor.role}.`);
}

/** The partner whose keys a partner's request may touch; ops: whatever it names. */
function scope(actor: Actor, named: string | undefined): string | undefined {
  if (actor.role !== 'partner') return named;
  if (named && named !== actor.partnerId) throw new HttpError(403, 'not_your_partner', 'A partner sees and manages only its own keys.');
  return actor.partnerId;
}

/** The roles of the keys a caller manages: a partner those it may grant (its people and apps); ops every one. */
const rolesIn = (actor: Actor) => (actor.role === 'partner' ? partnerGrantable : undefined);

export const keyRoutes =
  (deps: { store: Store; noteStaff?: (actor: Actor) => Promise<void> }): FastifyPluginAsyncZod =>
  async (app) => {
    const { store } = deps;

    app.post('/keys', { schema: { body: keyRequestSchema, response: answers({ 201: createdKeySchema.describe('Made: `key` is shown this once') }), summary: 'Make an API key (shown once) for an identity: a person or an app' } }, async (request, reply) => {
      const { actor } = request;
      mayManage(actor);
      const body = request.body;
      if (actor.role === 'partner') {
        if (!partnerGrantable.includes(body.role))
          throw new HttpError(403, 'role_not_grantable', `A partner makes keys for its own people and apps (roles ${partnerGrantable.join(', ')}), not for the role ${body.role}.`);
        if (body.partnerId && body.partnerId !== actor.partnerId)
          throw new HttpError(403, 'not_your_partner', `Your key acts for partner ${actor.partnerId}; it cannot make keys for ${body.partnerId}.`);
        // The partner's identities are named after it, so no key of a partner ever speaks as someone else's person (R72 compares ids).
        if (!body.id.endsWith(`@${actor.partnerId}`))
          throw new HttpError(422, 'identity_outside_partner', `Identities a partner makes are named <name>@${actor.partnerId}, e.g. "billing-app@${actor.partnerId}"; "${body.id}" is not.`);
      }
      const partnerId = actor.role === 'partner' ? actor.partnerId! : body.partnerId;
      if ((body.role === 'partner' || body.role === 'manager') && !partnerId)
        throw new HttpError(422, 'partner_required', `A key with role ${body.role} needs "partnerId": the partner it acts for.`);
      if (body.role === 'customer' && !body.customerId) throw new HttpError(422, 'customer_required', 'A key with role customer needs "customerId": the account it acts for.');
      if (body.customerId && body.role !== 'customer') throw new HttpError(422, 'customer_not_applicable', `"customerId" belongs to customer keys, not to a ${body.role} key.`);
      if (partnerId && (body.role === 'reviewer' || body.role === 'ops' || body.role === 'system'))
        throw new HttpError(422, 'partner_not_applicable', `A ${body.role} key is the vendor's own; it names no partner.`);
      const now = new Date().toISOString();
      if (body.expiresAt && new Date(body.expiresAt).toISOString() <= now)
        throw new HttpError(422, 'expires_in_past', `"expiresAt" ${body.expiresAt} has passed; give a time in the future, or none for a key that does not expire.`);

      const { keyId, key, secretHash } = newKey();
      const stored: ManagedKey = {
        keyId,
        secretHash,
        id: body.id,
        role: body.role,
        partnerId: partnerId ?? null,
        customerId: body.customerId ?? null,
        name: body.name ?? null,
        email: body.email ?? null,
        createdAt: now,
        createdBy: actor.id,
        expiresAt: body.expiresAt ? new Date(body.expiresAt).toISOString() : null,
        revokedAt: null,
        revokedBy: null,
        lastUsedAt: null,
      };
      await store.staff.createKey(stored, actor);
      await deps.noteStaff?.({ id: stored.id, role: stored.role, ...(body.name ? { name: body.name } : {}), ...(body.email ? { email: body.email } : {}) });
      return reply.status(201).send({ ...keyView(stored), key });
    });

    app.get('/keys', { schema: { querystring: keyQuerySchema, response: answers({ 200: managedKeyPageSchema }), summary: 'Managed API keys (no secrets): prefix, owner, role, created, expires, last used' } }, async (request) => {
      mayManage(request.actor);
      const { partnerId, cursor, limit } = request.query;
      const page = await store.staff.listKeys({ partnerId: scope(request.actor, partnerId), roles: rolesIn(request.actor), cursor, limit });
      return { items: page.items.map(keyView), ...(page.next ? { next: page.next } : {}) };
    });

    app.get('/keys/events', { schema: { querystring: keyEventQuerySchema, response: answers({ 200: keyEventPageSchema }), summary: 'The audit list of key events (created, revoked, expired), newest first' } }, async (request) => {
      mayManage(request.actor);
      const { keyId, partnerId, cursor, limit } = request.query;
      const page = await store.staff.listKeyEvents({ keyId, partnerId: scope(request.actor, partnerId), roles: rolesIn(request.actor), cursor, limit });
      return { items: page.items.map(eventView), ...(page.next ? { next: page.next } : {}) };
    });

    const params = z.object({ keyId: z.string().min(1).max(100) });

    /** The key, if the caller may manage it; another partner's key is 404, as if it did not exist. */
    async function managedKey(actor: Actor, keyId: string): Promise<ManagedKey> {
      mayManage(actor);
      const key = await store.staff.getKey(keyId);
      if (!key || (actor.role === 'partner' && (key.partnerId !== actor.partnerId || !partnerGrantable.includes(key.role)))) throw new HttpError(404, 'not_found', `No API key "${keyId.slice(0, 100)}" is yours to manage.`);
      return key;
    }

    app.get('/keys/:keyId', { schema: { params, response: answers({ 200: managedKeySchema }), summary: 'One managed API key (no secret)' } }, async (request) => keyView(await managedKey(request.actor, request.params.keyId)));

    app.delete('/keys/:keyId', { schema: { params, response: answers({ 200: managedKeySchema.describe('Revoked') }), summary: 'Revoke an API key: it fails at its next request' } }, async (request) => {
      const key = await managedKey(request.actor, request.params.keyId);
      const revoked = await store.staff.revokeKey(key.keyId, request.actor, new Date().toISOString());
      return keyView(revoked!);
    });
  };
