import type { Logger } from 'pino';
import type { OutboxRow, Store, WebhookEndpoint } from '../store/db';
import type { OutboxChannel } from '../store/model';
import type { Sealer } from '../worker/sealer';
import type { Notifier } from './notifier';
import { endpointDisabledMessages } from './webhookEvents';
import { postWebhook } from './webhookSender';
import type { WebhookTargetPolicy } from './webhookTargets';

/**
 * The one sender of the outbox (email, SMS, webhooks), run inside Temporal activities: the dispatcher's
 * long-lived `drainOutbox`, and the per-step `sendNotifications` of running processes. Both claim what
 * they send (store/outbox.ts), so a message goes out once however many senders run; a claim that
 * expires makes it due again, sent with the same id (R74).
 */

export interface DispatchSettings {
  /** How long a claim holds; renewed while a batch is worked, so only a dead sender's claims expire. */
  leaseMs: number;
  /** Messages claimed at once. */
  batch: number;
  /** How long an idle drain waits before looking again (it is woken at once by a step this process recorded). */
  pollMs: number;
  /** A held step nobody released within this long (its caller died after the Update completed) is checked with the engine. */
  heldGraceMs: number;
  webhookTargets: WebhookTargetPolicy;
  webhookTimeoutMs: number;
  /** Exponential backoff of a failing webhook delivery, given up once it has failed for `forMs`. */
  webhookRetry: { initialMs: number; maxMs: number; forMs: number };
  /** An endpoint with no success for this long is disabled, and the partner told. */
  webhookDisableAfterMs: number;
}

export const defaultDispatchSettings: DispatchSettings = {
  leaseMs: 30_000,
  batch: 50,
  pollMs: 200,
  heldGraceMs: 15_000,
  webhookTargets: 'loopback',
  webhookTimeoutMs: 10_000,
  webhookRetry: { initialMs: 5_000, maxMs: 3_600_000, forMs: 24 * 3_600_000 },
  webhookDisableAfterMs: 5 * 24 * 3_600_000,
};

/** Email and SMS retry like Temporal retried the sending activity: 1 s doubling to a minute, forever. */
const mailRetry = { initialMs: 1_000, maxMs: 60_000 };

const backoff = (attempts: number, { initialMs, maxMs }: { initialMs: number; maxMs: number }) =>
  // ±20 % so that many deliveries failing together do not all come back at the same moment.
  Math.min(initialMs * 2 ** Math.max(0, attempts - 1), maxMs) * (0.8 + Math.random() * 0.4);

class GiveUp extends Error {}

export interface DispatcherDeps {
  store: Store;
  notifier: Notifier;
  sealer: Sealer;
  log: Logger;
  settings?: Partial<DispatchSettings>;
  /**
   * Whether the Update that made a held step completed (the engine committed the step), was never
   * committed (false), or cannot be told now (undefined); the worker asks the engine.
   */
  updateCompleted?: (processId: string, runId: string, updateId: string) => Promise<boolean | undefined>;
}


export interface DrainControl {
  forMs: number;
  signal?: AbortSignal;
  heartbeat?: () => void;
}

export function createDispatcher(deps: DispatcherDeps) {
  const { store, notifier, sealer, log } = deps;
  const settings: DispatchSettings = { ...defaultDispatchSettings, ...deps.settings };
  let wakeUp: (() => void) | undefined;

  async function openSecrets(endpoint: WebhookEndpoint, now: Date): Promise<string[]> {
    const current = sealer.open(endpoint.secret);
    const previous = endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil > now.toISOString() ? [sealer.open(endpoint.previousSecret)] : [];
    return [current, ...previous];
  }

  /** Sends one message; resolves with the receiver's answer, throws with it on failure. */
  async function deliver(message: OutboxRow, endpoints: Map<string, WebhookEndpoint | null>): Promise<string | null> {
    if (message.channel !== 'webhook') return notifier.send(message.sealedBody ? { ...message, body: sealer.open(message.sealedBody) } : message);
    const id = message.endpointId ?? message.recipient;
    if (!endpoints.has(id)) endpoints.set(id, await store.webhooks.get(id));
    const endpoint = endpoints.get(id);
    if (!endpoint) throw new GiveUp('The endpoint was deleted.');
    if (!endpoint.enabled) throw new GiveUp(`The endpoint is disabled: ${endpoint.disabledReason ?? ''}`.trim());
    const result = await postWebhook(
      { url: endpoint.url, deliveryId: message.deliveryId ?? message.key, body: message.body, secrets: await openSecrets(endpoint, new Date()) },
      { policy: settings.webhookTargets, timeoutMs: settings.webhookTimeoutMs },
    );
    if (!result.ok) throw new Error(result.answer);
    return result.answer;
  }

  /** After a webhook delivery failed: is its endpoint failing for so long that it is to be disabled? */
  async function endpointFailed(message: OutboxRow, now: Date): Promise<boolean> {
    const id = message.endpointId!;
    const since = await store.webhooks.recordFailure(id, now);
    if (!since || now.getTime() - Date.parse(since) < settings.webhookDisableAfterMs) return false;
    const endpoint = await store.webhooks.get(id);
    const reason = `no delivery has succeeded since ${since}.`;
    if (endpoint && (await store.webhooks.disable(id, reason, now))) {
      log.warn({ endpointId: id, partnerId: endpoint.partnerId, since }, 'webhook endpoint disabled: failing for too long');
      await store.insertOutbox(endpointDisabledMessages(await store.getPartner(endpoint.partnerId), endpoint, reason, now.toISOString()));
    }
    return true;
  }

  /** One message of a claim: true when the ones after it in its order may go on. */
  async function attempt(message: OutboxRow, token: string, endpoints: Map<string, WebhookEndpoint | null>): Promise<boolean> {
    let answer: string | null;
    try {
      answer = await deliver(message, endpoints);
    } catch (error) {
      const now = new Date();
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof GiveUp) {
        await store.outbox.giveUp(message.key, reason, now);
        return true;
      }
      const failingSince = message.failingSince ?? now.toISOString();
      if (message.channel === 'webhook') {
        if (await endpointFailed(message, now)) return true;
        const failingFor = now.getTime() - Date.parse(failingSince);
        if (failingFor >= settings.webhookRetry.forMs) {
          log.info({ key: message.key, attempts: message.attempts }, 'webhook delivery given up');
          await store.outbox.giveUp(message.key, `Given up after ${message.attempts} attempts over ${Math.round(failingFor / 60_000)} minutes; last answer: ${reason}`, now);
          return true;
        }
      }
      const retryAt = new Date(now.getTime() + backoff(message.attempts, message.channel === 'webhook' ? settings.webhookRetry : mailRetry));
      await store.outbox.retryLater(message.key, token, { answer: reason.slice(0, 1024), retryAt, failingSince });
      // A partner's receiver being away is its business (the delivery log shows it); our mail or SMS failing is ops'.
      log[message.channel === 'webhook' ? 'info' : 'warn']({ key: message.key, channel: message.channel, attempts: message.attempts, retryAt, err: reason }, 'message not delivered; tried again later');
      return false;
    }
    // The receiver has it: marked at once, so only this instant can repeat it after a crash (R74).
    await store.outbox.markSent(message.key, answer);
    if (message.channel === 'webhook' && message.endpointId) await store.webhooks.recordSuccess(message.endpointId);
    return true;
  }

  /**
   * Claims a batch of due messages and sends them: each order key's messages one after another (a
   * failure holds back the rest), different order keys side by side. Returns how many were claimed.
   */
  async function round(options: { only?: { processId: string; seq: number }; channels?: OutboxChannel[] } = {}): Promise<number> {
    const { token, messages } = await store.outbox.claim({ leaseMs: settings.leaseMs, limit: settings.batch, ...options });
    if (messages.length === 0) return 0;
    const open = new Set(messages.map((m) => m.key));
    const renewal = setInterval(() => {
      store.outbox.renew(token, [...open], new Date(Date.now() + settings.leaseMs)).catch((err) => log.warn({ err }, 'claim not renewed'));
    }, settings.leaseMs / 3);
    try {
      const groups = new Map<string, OutboxRow[]>();
      for (const m of messages) groups.set(m.orderKey, [...(groups.get(m.orderKey) ?? []), m]);
      const endpoints = new Map<string, WebhookEndpoint | null>();
      const queue = [...groups.values()];
      const worker = async () => {
        for (let group = queue.shift(); group; group = queue.shift()) {
          for (const [i, message] of group.entries()) {
            const goOn = await attempt(message, token, endpoints);
            open.delete(message.key);
            if (!goOn) {
              const rest = group.slice(i + 1).map((m) => m.key);
              await store.outbox.release(token, rest);
              for (const key of rest) open.delete(key);
              break;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
    } finally {
      clearInterval(renewal);
    }
    return messages.length;
  }

  /**
   * Held steps nobody released (their Update's caller went away between the Update's completion and the
   * release): those the engine committed are released, those it never committed are forgotten, so that
   * no step is lost and none is shown or sent that did not happen.
   */
  async function settleHeldSteps(): Promise<void> {
    if (!deps.updateCompleted) return;
    for (const held of await store.staleHeldSteps(settings.heldGraceMs, 20)) {
      const completed = await deps.updateCompleted(held.processId, held.runId, held.updateId);
      if (completed === true) {
        await store.releaseSteps(held.processId, held.seq);
        log.info({ processId: held.processId, seq: held.seq }, 'a held step its caller did not release was committed: released');
      } else if (completed === false) {
        await store.dropHeldStep(held.processId, held.seq);
        log.warn({ processId: held.processId, seq: held.seq }, 'a held step was never committed by the engine: dropped, nothing of it shown or sent');
      }
    }
  }

  /** The dispatcher's activity: sends whatever is due, again and again, for `forMs`; heartbeats; stops when cancelled. */
  async function drain({ forMs, signal, heartbeat }: DrainControl): Promise<{ claimed: number }> {
    const until = Date.now() + forMs;
    let claimed = 0;
    // Alive while a batch waits on slow receivers too, so that no second attempt starts beside this one.
    const beat = heartbeat ? setInterval(heartbeat, 2_000) : undefined;
    // Claims a release before this one made (it wrote no expiry) expire in a few minutes from now.
    const adopted = await store.outbox.adoptLegacyClaims(new Date(Date.now() + 5 * 60_000));
    if (adopted > 0) log.info({ adopted }, 'messages claimed by an earlier release will be sent again if still unsent in 5 minutes');
    let heldCheckedAt = 0;
    try {
      while (!signal?.aborted && Date.now() < until) {
        if (Date.now() - heldCheckedAt > settings.heldGraceMs / 3) {
          heldCheckedAt = Date.now();
          await settleHeldSteps().catch((err) => log.warn({ err: (err as Error).message }, 'held steps not checked'));
        }
        const n = await round();
        claimed += n;
        if (n > 0) continue;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            wakeUp = undefined;
            resolve();
          };
          const timer = setTimeout(done, settings.pollMs);
          signal?.addEventListener('abort', done, { once: true });
          wakeUp = done;
        });
      }
    } finally {
      clearInterval(beat);
    }
    return { claimed };
  }

  return {
    round,
    drain,
    /** Something was queued in this process: an idle drain looks at once instead of at its next poll. */
    wake: () => wakeUp?.(),
    settings,
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
