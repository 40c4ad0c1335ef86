import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from '../../api/schemas';

/**
 * A partner's app receiving partnerflow's webhooks, as the README shows one: a real HTTP server that
 * verifies every delivery with the `standardwebhooks` package, answers 2xx once it has the event, and
 * deduplicates by `webhook-id` (a delivery may come again: a retry, a redelivery, R74's window).
 */

export interface Received {
  id: string;
  event: WebhookEvent;
  /** How many times this webhook-id arrived. */
  copies: number;
}

export async function startPartnerApp(options: { secrets?: string[]; port?: number } = {}) {
  let secrets = options.secrets ?? [];
  const events: Received[] = [];
  const byId = new Map<string, Received>();
  const refused: Array<{ reason: string; headers: http.IncomingHttpHeaders }> = [];
  /** Every attempt that reached the app, in order: its webhook-id, what it answered, when. */
  const attempts: Array<{ id: string; status: number; at: number }> = [];
  let failWith: number | undefined;
  const sockets = new Set<Socket>();

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const id = String(request.headers['webhook-id'] ?? '');
      const answer = (status: number, body: unknown) => {
        attempts.push({ id, status, at: Date.now() });
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (failWith) return answer(failWith, { error: 'down for maintenance' });
      const body = Buffer.concat(chunks).toString('utf8');
      let event: WebhookEvent | undefined;
      for (const secret of secrets) {
        try {
          event = new Webhook(secret).verify(body, request.headers as Record<string, string>) as WebhookEvent;
          break;
        } catch (error) {
          refused.push({ reason: (error as Error).message, headers: request.headers });
        }
      }
      if (!event) return answer(400, { error: 'bad signature' });
      const seen = byId.get(id);
      if (seen) seen.copies++;
      else {
        const received = { id, event, copies: 1 };
        byId.set(id, received);
        events.push(received);
      }
      answer(200, { received: true });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(options.port ?? 0);
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/partnerflow/webhooks`,
    events,
    refused,
    attempts,
    /** The secrets it verifies with (a rotation gives it the new one). */
    useSecrets(next: string[]) {
      secrets = next;
    },
    /** Answers every delivery with this status (a broken deploy), or takes them again (undefined). */
    failWith(status: number | undefined) {
      failWith = status;
    },
    /** The app's machine is gone: connections are refused until `up`. */
    async down() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    up: () => listen(port),
    /** The step events of one process, in the order they arrived. */
    steps: (processId: string) => events.filter((e) => e.event.type === 'process.step' && e.event.data.processId === processId).map((e) => e.event as Extract<WebhookEvent, { type: 'process.step' }>),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}

export type PartnerApp = Awaited<ReturnType<typeof startPartnerApp>>;
