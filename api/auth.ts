import type { FastifyRequest } from 'fastify';
import type { Actor } from '../machines/types';
import { HttpError } from './errors';
import type { Identity } from './keys';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

/** Who is calling: the identity behind the bearer key. The actor is never taken from a request body. */
export function authenticate(keys: Map<string, Identity>) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new HttpError(401, 'unauthenticated', 'Send your API key as "Authorization: Bearer <key>".');
    const identity = keys.get(match[1]);
    if (!identity) throw new HttpError(401, 'invalid_key', 'This API key is not known.');
    request.actor = {
      id: identity.id,
      role: identity.role,
      ...(identity.partnerId ? { partnerId: identity.partnerId } : {}),
      ...(identity.customerId ? { customerId: identity.customerId } : {}),
      ...(identity.name ? { name: identity.name } : {}),
      ...(identity.email ? { email: identity.email } : {}),
    };
  };
}

/** Staff see every partner's processes; a partner only its own (R72). */
export const seesAllPartners = (actor: Actor) => actor.role === 'reviewer' || actor.role === 'ops' || actor.role === 'system';

export const mayRead = (actor: Actor, partnerId: string) => seesAllPartners(actor) || (actor.role === 'partner' && actor.partnerId === partnerId);

/** A process: as its partner, or, for a customer, when it is about the customer's own account with that partner. */
export const mayReadProcess = (actor: Actor, process: { partnerId: string; customerId: string | null }) =>
  mayRead(actor, process.partnerId) ||
  (actor.role === 'customer' && actor.customerId !== undefined && actor.customerId === process.customerId && actor.partnerId === process.partnerId);
