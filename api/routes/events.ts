import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toBeijingTime } from '../../machines/time';
import type { Store } from '../../store/db';
import type { OutboxEntry } from '../../store/store';
import type { Logger } from 'pino';
import { mayRead, mayReadProcess } from '../auth';
import { callerKey, partnerOf } from '../rateLimit';
import { apiPolicy, baseSecurityHeaders } from '../securityHeaders';
import { RecordFeed, StreamRefused, type FeedStream } from '../recordFeed';
import { HttpError } from '../errors';
import { notificationQuerySchema } from '../requests';
import { answers, notificationPageSchema, type Notification, type ProcessEvent } from '../schemas';
import { mediaType } from '../openapi';
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
  /** Event streams one caller may keep open at once (default 20), and the server as a whole (default 500). */
  streamsPerKey?: number;
  streamsMax?: number;
  /** Streams all the keys of one partner may keep open together (default 100). */
  streamsPerPartner?: number;
}

const eventsQuery = z.strictObject({
  /** Send only the steps after this one (as `Last-Event-ID` does). */
  after: z.coerce.number().int().min(-1).optional(),
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
    const feed = new RecordFeed(store, {
      pollMs,
      heartbeatMs: deps.heartbeatMs ?? 15_000,
      perKey: deps.streamsPerKey ?? 20,
      perPartner: deps.streamsPerPartner ?? 100,
      max: deps.streamsMax ?? 500,
      log: app.log as unknown as Logger,
    });
    const open = new Set<() => void>();
    // Streams never end on their own while a process runs: closing the server ends them first.
    app.addHook('preClose', async () => {
      for (const stop of [...open]) stop();
      feed.stop();
    });

    app.get(
      '/processes/:id/events',
      {
        schema: {
          params: z.object({ id: z.string().max(300) }),
          querystring: eventsQuery,
          headers: z.object({ 'last-event-id': z.string().regex(/^-?\d{1,9}$/, 'must be the seq of the last event received').optional() }),
          response: answers({
            200: z.string().meta({
              description: `text/event-stream: an \`event: record\` per recorded step (its \`id\` the step's seq; its data the step as the process's records show it, with processId and version), an \`event: end\` once the process has ended`,
              [mediaType]: 'text/event-stream',
            }),
          }),
          summary: 'Server-sent events: each recorded step of the process as it happens (resume with Last-Event-ID)',
        },
      },
      async (request, reply) => {
        const { actor } = request;
        const row = await store.getProcess(request.params.id);
        if (!row || !mayReadProcess(actor, row)) throw new HttpError(404, 'not_found', `No process "${request.params.id.slice(0, 200)}" is visible to you.`);
        const header = request.headers['last-event-id'];
        const raw = reply.raw;
        let stopped = false;
        const stream: FeedStream = {
          processId: row.id,
          caller: callerKey(actor),
          partner: partnerOf(actor),
          sent: header !== undefined ? Number(header) : (request.query.after ?? -1),
          quietSince: Date.now(),
          deliver(records, ended) {
            if (stopped) return;
            for (const record of records) {
              if (record.seq <= stream.sent) continue;
              const event: ProcessEvent = { ...recordView(record), processId: row.id, version: record.seq };
              sse(raw, 'record', event, record.seq);
              stream.sent = record.seq;
              stream.quietSince = Date.now();
            }
            if (ended && ended.version <= stream.sent) {
              sse(raw, 'end', { processId: row.id, state: ended.state, label: ended.label, version: ended.version });
              stop();
            }
          },
          heartbeat: () => raw.write(': still here\n\n'),
        };
        const stop = () => {
          if (stopped) return;
          stopped = true;
          feed.close(stream);
          open.delete(stop);
          raw.end();
        };
        // Admitted before anything is written, so that a refused stream is an ordinary refusal.
        try {
          feed.admit(stream);
        } catch (err) {
          if (!(err instanceof StreamRefused)) throw err;
          throw new HttpError(err.status, err.code, err.reason, err.status === 503 ? 30 : 60);
        }
        open.add(stop);
        reply.hijack();
        // Written past Fastify (its onSend hook never runs): the security headers every answer carries, by hand.
        raw.writeHead(200, {
          ...baseSecurityHeaders,
          'content-security-policy': apiPolicy,
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        raw.write(`retry: ${Math.max(pollMs, 1000)}\n\n`);
        request.raw.on('close', stop);
        try {
          await feed.catchUp(stream);
        } catch (err) {
          request.log.error({ err, processId: row.id }, 'event stream failed');
          stop();
        }
      },
    );

    app.get(
      '/partners/:id/notifications',
      {
        schema: {
          params: z.object({ id: z.string().max(100) }),
          querystring: notificationQuerySchema,
          response: answers({ 200: notificationPageSchema }),
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
