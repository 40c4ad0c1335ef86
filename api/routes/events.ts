import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toBeijingTime } from '../../machines/time';
import type { Store } from '../../store/db';
import type { OutboxEntry } from '../../store/store';
import { mayRead, mayReadProcess } from '../auth';
import { HttpError } from '../errors';
import type { Notification, ProcessEvent } from '../schemas';
import { recordView } from '../views';

/**
 * How partners' apps hear of changes without polling the view:
 * - `GET /v1/processes/:id/events`: a server-sent event stream of the process's recorded steps, read
 *   from the records store (R71), so it needs no machinery of its own and resumes with `Last-Event-ID`
 *   (the step's `seq`); it ends with an `end` event once the process has ended and every step was sent.
 * - `GET /v1/partners/:id/notifications`: the messages sent to the partner (the outbox), newest first.
 */

export interface EventDeps {
  store: Store;
  /** How often an open stream looks for new steps (default 500 ms). */
  eventPollMs?: number;
  /** How often an idle stream sends a comment so proxies keep it open (default 15 s). */
  heartbeatMs?: number;
}

const eventsQuery = z.strictObject({
  /** Send only the steps after this one (as `Last-Event-ID` does). */
  after: z.coerce.number().int().min(-1).optional(),
});

const notificationsQuery = z.strictObject({
  processId: z.string().max(300).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export function notificationView(message: OutboxEntry): Notification {
  return {
    id: message.key,
    processId: message.processId,
    seq: message.seq,
    // The list holds email and SMS only (webhook deliveries have their own log), and nothing held.
    channel: message.channel as 'email' | 'sms',
    recipient: message.recipient,
    subject: message.subject,
    body: message.body,
    status: message.status === 'held' ? 'pending' : message.status,
    createdAt: message.createdAt,
    createdAtLocal: toBeijingTime(message.createdAt),
    sentAt: message.sentAt,
  };
}

const sse = (raw: ServerResponse, event: string, data: unknown, id?: number) =>
  raw.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

export const eventRoutes =
  (deps: EventDeps): FastifyPluginAsyncZod =>
  async (app) => {
    const { store } = deps;
    const pollMs = deps.eventPollMs ?? 500;
    const heartbeatMs = deps.heartbeatMs ?? 15_000;
    const open = new Set<() => void>();
    // Streams never end on their own while a process runs: closing the server ends them first.
    app.addHook('preClose', async () => {
      for (const stop of [...open]) stop();
    });

    app.get(
      '/processes/:id/events',
      {
        schema: {
          params: z.object({ id: z.string().max(300) }),
          querystring: eventsQuery,
          headers: z.object({ 'last-event-id': z.string().regex(/^-?\d{1,9}$/, 'must be the seq of the last event received').optional() }),
          summary: 'Server-sent events: each recorded step of the process as it happens (resume with Last-Event-ID)',
        },
      },
      async (request, reply) => {
        const { actor } = request;
        const row = await store.getProcess(request.params.id);
        if (!row || !mayReadProcess(actor, row)) throw new HttpError(404, 'not_found', `No process "${request.params.id.slice(0, 200)}" is visible to you.`);
        const header = request.headers['last-event-id'];
        let sent = header !== undefined ? Number(header) : (request.query.after ?? -1);

        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
        raw.write(`retry: ${Math.max(pollMs, 1000)}\n\n`);

        let stopped = false;
        let timer: NodeJS.Timeout | undefined;
        let quietSince = Date.now();
        const stop = () => {
          if (stopped) return;
          stopped = true;
          clearTimeout(timer);
          open.delete(stop);
          raw.end();
        };
        open.add(stop);
        request.raw.on('close', stop);

        const poll = async () => {
          try {
            const process = await store.getProcess(row.id);
            for (const record of await store.listRecords(row.id)) {
              if (stopped || record.seq <= sent) continue;
              const event: ProcessEvent = { ...recordView(record), processId: row.id, version: record.seq };
              sse(raw, 'record', event, record.seq);
              sent = record.seq;
              quietSince = Date.now();
            }
            if (process?.done && process.version <= sent) {
              sse(raw, 'end', { processId: row.id, state: process.state, label: process.label, version: process.version });
              return stop();
            }
            if (Date.now() - quietSince >= heartbeatMs) {
              raw.write(': still here\n\n');
              quietSince = Date.now();
            }
          } catch (err) {
            request.log.error({ err, processId: row.id }, 'event stream failed');
            return stop();
          }
          if (!stopped) timer = setTimeout(poll, pollMs);
        };
        await poll();
      },
    );

    app.get(
      '/partners/:id/notifications',
      {
        schema: {
          params: z.object({ id: z.string().max(100) }),
          querystring: notificationsQuery,
          summary: 'The messages sent to the partner about its processes, newest first; each id is unique per process, step, channel and recipient',
        },
      },
      async (request) => {
        const { actor } = request;
        // A partner sees only its own; staff see any. Another partner's list is not there for it (404, R72).
        if (!mayRead(actor, request.params.id)) throw new HttpError(404, 'not_found', `No partner "${request.params.id.slice(0, 100)}" is visible to you.`);
        const page = await store.listPartnerNotifications({ partnerId: request.params.id, ...request.query });
        return { items: page.items.map(notificationView), ...(page.next ? { next: page.next } : {}) };
      },
    );
  };
