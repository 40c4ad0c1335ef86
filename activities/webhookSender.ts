import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { guardedLookup, literalHostProblem, type WebhookTargetPolicy } from './webhookTargets';

/**
 * One webhook delivery attempt, as the Standard Webhooks spec has it: the JSON body signed with HMAC-SHA256
 * over `id.timestamp.body`, headers `webhook-id` (the same on every attempt, so the receiver can tell a
 * repeat), `webhook-timestamp` (this attempt's time) and `webhook-signature` (one `v1,…` per secret in
 * force, space-separated, so a receiver still on the secret before a rotation verifies too).
 */

export interface WebhookAttempt {
  url: string;
  deliveryId: string;
  body: string;
  /** `whsec_…` secrets to sign with, the current one first. */
  secrets: string[];
}

export interface WebhookAnswer {
  ok: boolean;
  /** e.g. `200 OK: {"received":true}`, or the connection error. */
  answer: string;
}

export function signatureHeaders(attempt: Omit<WebhookAttempt, 'url'>, at = new Date()): Record<string, string> {
  return {
    'webhook-id': attempt.deliveryId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': attempt.secrets.map((secret) => new Webhook(secret).sign(attempt.deliveryId, at, attempt.body)).join(' '),
  };
}

/** Posts once; a 2xx answer is a delivery, anything else (a redirect too) a failed attempt. Never throws. */
export function postWebhook(attempt: WebhookAttempt, options: { policy: WebhookTargetPolicy; timeoutMs: number }): Promise<WebhookAnswer> {
  let url: URL;
  try {
    url = new URL(attempt.url);
  } catch {
    return Promise.resolve({ ok: false, answer: `The endpoint URL ${attempt.url} cannot be read.` });
  }
  const refused = literalHostProblem(url, options.policy);
  if (refused) return Promise.resolve({ ok: false, answer: `Not sent: ${refused}.` });
  const body = Buffer.from(attempt.body, 'utf8');
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, 'user-agent': 'partnerflow-webhooks/1', ...signatureHeaders(attempt) },
        lookup: guardedLookup(options.policy),
        timeout: options.timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          // The receiver's answer is kept for the delivery log; a kilobyte says enough.
          if (size < 1024) chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8').slice(0, 1024);
          resolve({ ok: status >= 200 && status < 300, answer: `${status} ${response.statusMessage ?? ''}${text ? `: ${text}` : ''}`.trim() });
        });
        response.on('error', (error) => resolve({ ok: false, answer: `The answer broke off: ${error.message}` }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, answer: `Not delivered: ${error.message}` }));
    req.end(body);
  });
}
