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
    };
  };
}

/** Staff see every partner's processes; a partner only its own (R72). */
export const seesAllPartners = (actor: Actor) => actor.role === 'reviewer' || actor.role === 'ops' || actor.role === 'system';

export const mayRead = (actor: Actor, partnerId: string) => seesAllPartners(actor) || (actor.role === 'partner' && actor.partnerId === partnerId);
