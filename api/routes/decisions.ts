import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EngineUnavailable, ProcessRefusal, type ProcessClient } from '../../engineClient';
import { kindOf } from '../../machines/registry';
import type { Actor } from '../../machines/types';
import type { Store } from '../../store/db';
import { applyAction } from '../actions';
import { HttpError } from '../errors';
import { bulkDecisionRequestSchema, idempotencyKeySchema, maxBulkItems, type DecisionItem } from '../requests';
import { answers, bulkDecisionSchema, type BulkResult } from '../schemas';

/**
 * Bulk decisions (`POST /v1/tasks/decisions`): thirty routine approvals in one request. Each item is
 * judged and applied on its own, exactly as `POST /v1/processes/:id/actions` would (four-eyes, claims,
 * state, the version when given), so an item is applied whole or refused with its reason, never half.
 * An `Idempotency-Key` on the batch gives every item an Update id of its own, derived from it, so the
 * whole batch can be sent again safely.
 */

export { maxBulkItems };
/** Items in flight at once; items of one process go one after another. */
const parallel = 4;

const itemKey = (batchKey: string, i: DecisionItem) => `bulk.${createHash('sha256').update(`${batchKey}\n${i.processId}\n${i.subject ?? ''}`).digest('hex').slice(0, 40)}`;

export const decisionRoutes =
  (deps: { client: ProcessClient; store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    async function decide(actor: Actor, i: DecisionItem, comment: string | undefined, batchKey: string | undefined): Promise<BulkResult> {
      const head = { processId: i.processId, ...(i.subject ? { subject: i.subject } : {}) };
      try {
        const row = await deps.store.getProcess(i.processId);
        const kind = row && kindOf(row.kind, row.kindVersion);
        if (kind && Object.hasOwn(kind.events, i.type) && !kind.events[i.type].decision)
          throw new HttpError(422, 'not_a_decision', `${i.type} is not a reviewer's decision; bulk decisions take ${Object.entries(kind.events).filter(([, e]) => e.decision).map(([t]) => t).join(', ')}.`);
        const action = { type: i.type, ...(i.subject ? { subject: i.subject } : {}), ...(comment ? { comment } : {}) };
        const next = await applyAction(deps, actor, i.processId, action, { ifMatch: i.version, idempotencyKey: batchKey && itemKey(batchKey, i) });
        return { ...head, ok: true, version: next.version, state: next.state };
      } catch (err) {
        if (err instanceof HttpError) return { ...head, ok: false, error: { status: err.status, code: err.code, reason: err.reason } };
        if (err instanceof ProcessRefusal) return { ...head, ok: false, error: { status: err.refusal.status, code: err.refusal.code, reason: err.refusal.reason } };
        if (err instanceof EngineUnavailable) return { ...head, ok: false, error: { status: 503, code: 'engine_unavailable', reason: err.message } };
        app.log.error({ err, processId: i.processId }, 'bulk decision item failed');
        return { ...head, ok: false, error: { status: 500, code: 'internal_error', reason: 'Something went wrong on our side with this item; send the batch again with the same Idempotency-Key.' } };
      }
    }

    app.post(
      '/tasks/decisions',
      {
        schema: {
          body: bulkDecisionRequestSchema,
          headers: z.object({ 'idempotency-key': idempotencyKeySchema.optional() }),
          response: answers({ 200: bulkDecisionSchema }),
          summary: 'Decide several reviews at once; each item is applied or refused on its own',
        },
      },
      async (request) => {
        const { actor } = request;
        const { items, comment } = request.body;
        if (actor.role !== 'reviewer') throw new HttpError(403, 'role_not_allowed', `Only reviewers decide reviews; you act as ${actor.role}.`);
        if (items.length > maxBulkItems)
          throw new HttpError(422, 'too_many_items', `A bulk decision takes at most ${maxBulkItems} items; this one has ${items.length}. Send them in several batches.`);
        const seen = new Set<string>();
        const repeated = items.filter((i) => {
          const key = `${i.processId}\n${i.subject ?? ''}`;
          return seen.has(key) || !seen.add(key);
        });
        if (repeated.length)
          throw new HttpError(422, 'duplicate_items', `Each review may appear once; repeated: ${[...new Set(repeated.map((i) => i.processId + (i.subject ? ` (${i.subject})` : '')))].slice(0, 5).join(', ')}.`);

        const batchKey = request.headers['idempotency-key'];
        const results: BulkResult[] = new Array(items.length);
        // Items of one process (its parallel reviews) in order; different processes side by side.
        const byProcess = new Map<string, number[]>();
        items.forEach((i, index) => byProcess.set(i.processId, [...(byProcess.get(i.processId) ?? []), index]));
        const queues = [...byProcess.values()];
        await Promise.all(
          Array.from({ length: Math.min(parallel, queues.length) }, async () => {
            for (let queue = queues.shift(); queue; queue = queues.shift())
              for (const index of queue) results[index] = await decide(actor, items[index], comment, batchKey);
          }),
        );
        return { results };
      },
    );
  };
