import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { registry as kinds } from '../machines/registry';
import type { Store } from '../store/db';
import { contentType, metricsText } from './exposition';
import type { Metrics } from './registry';
import { storeGauges } from './storeGauges';

const ACTIONS = '/v1/processes/:id/actions';

declare module 'fastify' {
  interface FastifyRequest {
    /** When the review this reviewer's action decides became pending (time to decision). */
    reviewSince?: string;
  }
}

/** Label values come from our own vocabulary only, so a hostile URL or body cannot create series. */
const kindOf = (processId: unknown) => {
  const kind = typeof processId === 'string' ? processId.split(':')[0] : '';
  return kind in kinds ? kind : 'unknown';
};
const routeOf = (request: FastifyRequest) => request.routeOptions.url ?? 'unmatched';
const codeOf = (payload: unknown) => {
  if (typeof payload !== 'string' || !payload.startsWith('{"error"')) return 'none';
  const code = /"code":"([a-z_]{1,40})"/.exec(payload)?.[1];
  return code ?? 'other';
};
const outcomeOf = (status: number) => (status < 300 ? 'applied' : status === 503 ? 'unavailable' : status >= 500 ? 'error' : 'refused');

/**
 * `/metrics` on the API, and hooks that count every request: by route and status, refusals by code,
 * the latency of actions by kind, and, for a reviewer's accepted action, the time since the review
 * became pending (read from the inbox before the action, as the edge sees it). Added to the root
 * before the routes, so the hooks see every route.
 */
export function installApiMetrics(app: FastifyInstance<any, any, any, any, any>, metrics: Metrics, store: Store) {
  const refresh = storeGauges(metrics, store);

  app.addHook('preHandler', async (request: FastifyRequest<{ Params: { id?: string } }>) => {
    if (routeOf(request) !== ACTIONS || request.method !== 'POST' || request.actor?.role !== 'reviewer') return;
    const task = await store.getTask(String(request.params.id), 'reviewer').catch(() => null);
    if (task) request.reviewSince = task.since;
  });

  app.addHook('onSend', async (request, reply: FastifyReply, payload) => {
    if (reply.statusCode >= 400) metrics.refusals.inc({ route: routeOf(request), status: String(reply.statusCode), code: codeOf(payload) });
    return payload;
  });

  app.addHook('onResponse', async (request: FastifyRequest<{ Params: { id?: string }; Body: { type?: unknown } }>, reply) => {
    const route = routeOf(request);
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ method: request.method, route, status: String(status) });
    metrics.requestSeconds.observe({ method: request.method, route }, seconds);
    if (route !== ACTIONS || request.method !== 'POST') return;
    const kind = kindOf(request.params.id);
    metrics.actionSeconds.observe({ kind, outcome: outcomeOf(status) }, seconds);
    const event = request.body?.type;
    if (status === 200 && request.reviewSince && typeof event === 'string' && kind !== 'unknown' && Object.hasOwn(kinds[kind].events, event)) {
      metrics.decisionSeconds.observe({ kind, event }, Math.max(0, (Date.now() - Date.parse(request.reviewSince)) / 1000));
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.header('content-type', contentType).send(await metricsText(metrics, refresh));
  });
}
