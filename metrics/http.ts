import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { maxBulkItems } from '../api/routes/decisions';
import { registry as kinds } from '../machines/registry';
import type { Store } from '../store/db';
import { contentType, metricsText } from './exposition';
import type { Metrics } from './registry';
import { storeGauges } from './storeGauges';

const ACTIONS = '/v1/processes/:id/actions';
/** Bulk decisions: one 200 whose items are each applied or refused (api/routes/decisions.ts). */
const DECISIONS = '/v1/tasks/decisions';

declare module 'fastify' {
  interface FastifyRequest {
    /** When the review this reviewer's action decides became pending (time to decision). */
    reviewSince?: string;
    /** The same for each process of a bulk decision, by process id. */
    reviewsSince?: Map<string, string>;
  }
}

interface BulkItem {
  processId?: unknown;
  type?: unknown;
}
interface BulkAnswer {
  results?: Array<{ ok?: unknown; error?: { status?: unknown; code?: unknown } }>;
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
const itemCodeOf = (code: unknown) => (typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : 'other');
const itemStatusOf = (status: unknown) => (Number.isInteger(status) && (status as number) >= 400 && (status as number) < 600 ? String(status) : 'other');
const outcomeOf = (status: number) => (status < 300 ? 'applied' : status === 503 ? 'unavailable' : status >= 500 ? 'error' : 'refused');

/**
 * `/metrics` on the API, and hooks that count every request: by route and status, refusals by code,
 * the latency of actions by kind, and, for a reviewer's accepted action, the time since the review
 * became pending (read from the inbox before the action, as the edge sees it). A bulk decision counts
 * like that many actions: each accepted item's time to decision, each refused item's refusal by its
 * code (inside the 200). Added to the root before the routes, so the hooks see every route.
 */
export function installApiMetrics(app: FastifyInstance<any, any, any, any, any>, metrics: Metrics, store: Store) {
  const refresh = storeGauges(metrics, store);

  app.addHook('preHandler', async (request: FastifyRequest<{ Params: { id?: string }; Body: { items?: unknown } }>) => {
    if (request.method !== 'POST' || request.actor?.role !== 'reviewer') return;
    const route = routeOf(request);
    if (route === ACTIONS) {
      const task = await store.getTask(String(request.params.id), 'reviewer').catch(() => null);
      if (task) request.reviewSince = task.since;
    } else if (route === DECISIONS) {
      const items = Array.isArray(request.body?.items) ? (request.body.items as BulkItem[]) : [];
      if (items.length > maxBulkItems) return; // refused whole: no inbox reads for it
      const ids = [...new Set(items.map((i) => i?.processId).filter((id): id is string => typeof id === 'string'))];
      const since = new Map<string, string>();
      await Promise.all(ids.map(async (id) => {
        const task = await store.getTask(id, 'reviewer').catch(() => null);
        if (task) since.set(id, task.since);
      }));
      request.reviewsSince = since;
    }
  });

  app.addHook('onSend', async (request: FastifyRequest<{ Body: { items?: unknown } }>, reply: FastifyReply, payload) => {
    const route = routeOf(request);
    if (reply.statusCode >= 400) metrics.refusals.inc({ route, status: String(reply.statusCode), code: codeOf(payload) });
    else if (route === DECISIONS && request.method === 'POST' && reply.statusCode === 200 && typeof payload === 'string') countBulk(request.body?.items, payload, request.reviewsSince);
    return payload;
  });

  /** Each item of a bulk decision's answer, matched to its request item by position. */
  function countBulk(sent: unknown, payload: string, since: Map<string, string> | undefined) {
    let answer: BulkAnswer;
    try {
      answer = JSON.parse(payload) as BulkAnswer;
    } catch {
      return;
    }
    const items = Array.isArray(sent) ? (sent as BulkItem[]) : [];
    (answer.results ?? []).forEach((result, index) => {
      const item = items[index];
      if (result.ok !== true) {
        metrics.refusals.inc({ route: DECISIONS, status: itemStatusOf(result.error?.status), code: itemCodeOf(result.error?.code) });
        return;
      }
      const kind = kindOf(item?.processId);
      const pending = typeof item?.processId === 'string' ? since?.get(item.processId) : undefined;
      if (pending && typeof item.type === 'string' && kind !== 'unknown' && Object.hasOwn(kinds[kind].events, item.type))
        metrics.decisionSeconds.observe({ kind, event: item.type }, Math.max(0, (Date.now() - Date.parse(pending)) / 1000));
    });
  }

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
