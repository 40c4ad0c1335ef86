import { createHash } from 'node:crypto';
import { toBeijingTime } from '../machines/time';
import type { OutboxEntry, WebhookEndpoint } from '../store/db';
import type { Partner, Step } from '../store/model';

/**
 * What a partner's webhook endpoint receives: one delivery per recorded step of the partner's processes
 * (`process.step`) and, if subscribed, one per notification to the partner (`process.notification`),
 * each a Standard Webhooks payload `{ type, timestamp, data }`. They are outbox rows written in the step's
 * own transaction, so a step is never recorded without them, nor they sent for a step never recorded.
 */

/** The `webhook-id` of a delivery: the same on every attempt and redelivery, so a receiver can tell a repeat. */
export const deliveryIdFor = (key: string) => `msg_${createHash('sha256').update(key).digest('base64url').slice(0, 27)}`;

/** Deliveries of one endpoint and process go out in step order, a later step waiting for the earlier. */
const orderKeyFor = (endpointId: string, processId: string) => `webhook:${endpointId}:${processId}`;
const positionOf = (seq: number, suffix: string) => `${String(seq).padStart(12, '0')}.${suffix}`;

export function webhookDeliveries(step: Step, endpoints: WebhookEndpoint[], createdAt: string): OutboxEntry[] {
  const { view } = step;
  const rows: OutboxEntry[] = [];
  const row = (endpoint: WebhookEndpoint, key: string, seq: number, position: string, payload: { type: string; timestamp: string; data: unknown }): OutboxEntry => ({
    key,
    processId: view.id,
    seq,
    channel: 'webhook',
    recipient: endpoint.id,
    audience: 'partner',
    subject: payload.type,
    body: JSON.stringify(payload),
    status: 'pending',
    createdAt,
    sentAt: null,
    partnerId: view.partnerId,
    orderKey: orderKeyFor(endpoint.id, view.id),
    position,
    endpointId: endpoint.id,
    deliveryId: deliveryIdFor(key),
  });
  for (const endpoint of endpoints) {
    if (endpoint.partnerId !== view.partnerId) continue;
    if (endpoint.events.includes('process.step'))
      for (const r of step.records) {
        const key = `webhook/${endpoint.id}/${view.id}/${r.seq}`;
        rows.push(
          row(endpoint, key, r.seq, positionOf(r.seq, '0'), {
            type: 'process.step',
            timestamp: r.at,
            data: {
              processId: view.id,
              kind: view.kind,
              partnerId: view.partnerId,
              businessKey: view.businessKey,
              seq: r.seq,
              at: r.at,
              atLocal: toBeijingTime(r.at),
              actor: r.actorId,
              role: r.role,
              event: r.event,
              from: r.from,
              to: r.to,
              ...(r.comment !== undefined ? { comment: r.comment } : {}),
              ...(r.reason !== undefined ? { reason: r.reason } : {}),
              version: view.version,
              state: view.state,
              label: view.label,
              done: view.done,
              waitingFor: view.waitingFor,
            },
          }),
        );
      }
    if (endpoint.events.includes('process.notification'))
      step.notifications.forEach((n, i) => {
        if (n.audience !== 'partner') return;
        const key = `webhook/${endpoint.id}/${view.id}/${n.seq}/notification/${i}`;
        rows.push(
          row(endpoint, key, n.seq, positionOf(n.seq, `1.${String(i).padStart(3, '0')}`), {
            type: 'process.notification',
            timestamp: createdAt,
            data: { processId: view.id, kind: view.kind, partnerId: view.partnerId, seq: n.seq, topic: n.topic, subject: n.subject, body: n.body, ...(n.link ? { link: n.link } : {}) },
          }),
        );
      });
  }
  return rows;
}

/**
 * Tells the partner that an endpoint was disabled, on the channels its settings choose for what needs
 * its action (R6), through the outbox like every message.
 */
export function endpointDisabledMessages(partner: Partner | null, endpoint: WebhookEndpoint, reason: string, at: string): OutboxEntry[] {
  if (!partner) return [];
  const wanted = partner.messageSettings.actionNeeded;
  const { email, phone } = partner.contact;
  const targets = [
    ...(wanted.email && email ? [{ channel: 'email' as const, recipient: email }] : []),
    ...(wanted.sms && phone ? [{ channel: 'sms' as const, recipient: phone }] : []),
  ];
  const processId = `webhook:${endpoint.id}`;
  return targets.map(({ channel, recipient }) => ({
    key: `${processId}/disabled/${at}/${channel}/${recipient}`,
    processId,
    seq: 0,
    channel,
    recipient,
    audience: 'partner',
    partnerId: partner.id,
    subject: 'Webhook endpoint disabled / Webhook 端点已停用',
    body:
      `Deliveries to your webhook endpoint ${endpoint.url} (${endpoint.id}) kept failing, so it was disabled: ${reason} ` +
      `Fix the receiver, then enable it again with PATCH /v1/webhooks/${endpoint.id} {"enabled": true} and redeliver what it missed: ` +
      `GET /v1/webhooks/${endpoint.id}/deliveries?status=given_up lists it (steps recorded while it is disabled included), POST …/deliveries/<id>/redeliver sends each.\n\n` +
      `您的 Webhook 端点 ${endpoint.url}（${endpoint.id}）持续投递失败，已被停用：${reason} ` +
      `请修复接收方后，通过 PATCH /v1/webhooks/${endpoint.id} {"enabled": true} 重新启用，并重新投递错过的消息：` +
      `GET /v1/webhooks/${endpoint.id}/deliveries?status=given_up 列出这些消息（含停用期间记录的步骤），POST …/deliveries/<id>/redeliver 逐条重新投递。`,
    status: 'pending',
    createdAt: at,
    sentAt: null,
  }));
}
