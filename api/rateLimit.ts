import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../machines/types';
import { HttpError } from './errors';

/**
 * Per-caller limits (docs/SECURITY.md): every request, and process starts (the costly kind of request)
 * apart, counted per authenticated identity in windows of a minute. Keyed by the identity the
 * authentication hook put on the request, whatever proved it (a keys-file key, a stored key, a token), so
 * this hook runs after authentication and before the body is parsed. Over the limit: 429 with
 * `Retry-After`, and nothing was done.
 */

/** One caller: a person in one role (a person holding two keys of two roles has two allowances). */
export const callerKey = (actor: Actor) => JSON.stringify([actor.role, actor.id, actor.partnerId ?? null, actor.customerId ?? null]);

/**
 * The partner whose own people and apps the caller is (roles a partner can mint keys for: partner, manager):
 * their keys share one allowance too, or a partner would multiply its limits by making keys.
 */
export const partnerOf = (actor: Actor): string | undefined => (actor.role === 'partner' || actor.role === 'manager' ? actor.partnerId : undefined);

export interface RateLimits {
  requestsPerMinute: number;
  startsPerMinute: number;
  /** Starts of all of one partner's keys together. */
  startsPerPartnerPerMinute: number;
}

const isStart = (request: FastifyRequest) => request.method === 'POST' && request.routeOptions.url === '/v1/processes';

/** Registers the counters on the root instance; returns the hook to add after authentication. */
export async function rateLimiting(app: FastifyInstance<any, any, any, any, any>, limits: RateLimits) {
  await app.register(rateLimit, { global: false });
  const limiter = (max: number, name: string, key: (actor: Actor) => string = callerKey) =>
    app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => `${name}:${key(request.actor)}` });
  const all = limiter(limits.requestsPerMinute, 'requests');
  const starts = limiter(limits.startsPerMinute, 'starts');
  const partnerStarts = limiter(limits.startsPerPartnerPerMinute, 'partner-starts', (actor) => partnerOf(actor)!);

  return async (request: FastifyRequest) => {
    const partner = partnerOf(request.actor);
    for (const [check, what, max] of [
      [all, 'requests in a minute with this key', limits.requestsPerMinute],
      ...(isStart(request) ? [[starts, 'process starts in a minute with this key', limits.startsPerMinute] as const] : []),
      ...(isStart(request) && partner ? [[partnerStarts, `process starts in a minute with the keys of partner ${partner} together`, limits.startsPerPartnerPerMinute] as const] : []),
    ] as const) {
      const verdict = await check(request);
      if (verdict.isAllowed || !verdict.isExceeded) continue;
      const wait = Math.max(1, verdict.ttlInSeconds);
      throw new HttpError(429, 'rate_limited', `You sent more than ${max} ${what}; wait ${wait} s (Retry-After) and send again.`, wait);
    }
  };
}
