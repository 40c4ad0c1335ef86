import type { FastifyRequest } from 'fastify';
import type { Actor } from '../machines/types';
import { HttpError } from './errors';
import type { Identity } from './keys';
import { managedKeys } from './managedKeys';
import { oidcTokens, type OidcSettings } from './oidc';
import type { Store } from '../store/db';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

/** One way of knowing a caller: undefined when the token is not of its kind, an HttpError when it is but may not pass. */
export type Authenticator = (token: string) => Promise<Actor | undefined>;

/** Where an actor was found; staff are noted in the directory with it. */
export type AuthSource = 'keys-file' | 'managed-key' | 'oidc';

/** Keys from the JSON keys file (`PC_KEYS_FILE`, the development install's bootstrap). */
export const fileKeys =
  (keys: Map<string, Identity>): Authenticator =>
  async (token) => {
    const identity = keys.get(token);
    if (!identity) return undefined;
    return {
      id: identity.id,
      role: identity.role,
      ...(identity.partnerId ? { partnerId: identity.partnerId } : {}),
      ...(identity.customerId ? { customerId: identity.customerId } : {}),
      ...(identity.name ? { name: identity.name } : {}),
      ...(identity.email ? { email: identity.email } : {}),
    };
  };

/**
 * Who is calling: the bearer token, asked of each authenticator in turn (keys file, managed keys in the
 * records store, the identity provider's JWTs). The actor is never taken from a request body.
 */
export function authenticate(pipeline: Array<{ source: AuthSource; authenticate: Authenticator }>, seen?: (actor: Actor, source: AuthSource) => Promise<void>) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) throw new HttpError(401, 'unauthenticated', 'Send your API key (or, for staff, your sign-in token) as "Authorization: Bearer <key>".');
    for (const { source, authenticate } of pipeline) {
      const actor = await authenticate(match[1]);
      if (!actor) continue;
      request.actor = actor;
      await seen?.(actor, source);
      return;
    }
    throw new HttpError(401, 'invalid_key', 'This API key is not known.');
  };
}

/** The pipeline: the keys file (bootstrap of a development install), managed keys, then the identity provider's tokens when configured. */
export function authPipeline(deps: { keys: Map<string, Identity>; store: Store; oidc?: OidcSettings }): Array<{ source: AuthSource; authenticate: Authenticator }> {
  return [
    { source: 'keys-file', authenticate: fileKeys(deps.keys) },
    { source: 'managed-key', authenticate: managedKeys(deps.store) },
    ...(deps.oidc ? [{ source: 'oidc' as const, authenticate: oidcTokens(deps.oidc) }] : []),
  ];
}

/** Staff see every partner's processes; a partner only its own (R72). */
export const seesAllPartners = (actor: Actor) => actor.role === 'reviewer' || actor.role === 'ops' || actor.role === 'system';

export const mayRead = (actor: Actor, partnerId: string) => seesAllPartners(actor) || (actor.role === 'partner' && actor.partnerId === partnerId);

/** A process: as its partner, or, for a customer, when it is about the customer's own account with that partner. */
export const mayReadProcess = (actor: Actor, process: { partnerId: string; customerId: string | null }) =>
  mayRead(actor, process.partnerId) ||
  (actor.role === 'customer' && actor.customerId !== undefined && actor.customerId === process.customerId && actor.partnerId === process.partnerId);
