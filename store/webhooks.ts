import type { Kysely, Selectable } from 'kysely';
import { decodeCursor, pageOf } from './cursor';
import { StoreInputError } from './errors';
import { outboxFromRow, type OutboxRow } from './rows';
import type { Database, WebhookEndpointsTable } from './schema';

/** Partners' webhook endpoints and their deliveries, which are outbox rows of channel `webhook`. */

export const webhookEventTypes = ['process.step', 'process.notification'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];

export interface WebhookEndpoint {
  id: string;
  partnerId: string;
  url: string;
  events: WebhookEventType[];
  /** Sealed (the payload key): the store never holds a signing secret in clear. */
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: string | null;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  failingSince: string | null;
  lastSuccessAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookStore {
  create(endpoint: WebhookEndpoint): Promise<void>;
  get(id: string): Promise<WebhookEndpoint | null>;
  list(partnerId: string): Promise<WebhookEndpoint[]>;
  /** Changes url, events or enabled; enabling clears the failure that disabled it. */
  update(id: string, patch: { url?: string; events?: WebhookEventType[]; enabled?: boolean }, at?: Date): Promise<WebhookEndpoint | null>;
  rotateSecret(id: string, secrets: { secret: string; previousSecret: string; previousSecretUntil: string }, at?: Date): Promise<WebhookEndpoint | null>;
  /** Deletes the endpoint; its deliveries not yet made are given up. */
  remove(id: string, at?: Date): Promise<boolean>;
  recordSuccess(id: string, at?: Date): Promise<void>;
  /** Notes a failed delivery; returns since when the endpoint has been failing. */
  recordFailure(id: string, at?: Date): Promise<string | null>;
  /** Disables it and gives up its waiting deliveries; true only for the call that disabled it. */
  disable(id: string, reason: string, at?: Date): Promise<boolean>;
  listDeliveries(query: { endpointId: string; status?: 'pending' | 'sending' | 'sent' | 'failed' | 'given_up'; limit: number; cursor?: string }): Promise<{ items: OutboxRow[]; next?: string }>;
  getDelivery(endpointId: string, deliveryId: string): Promise<OutboxRow | null>;
  /**
   * Sends a delivery again (same `webhook-id`): due now, its retries counted afresh. Refused while it
   * is being sent; a held one is not found. Returns the row as it now is.
   */
  redeliver(endpointId: string, deliveryId: string): Promise<{ ok: true; delivery: OutboxRow } | { ok: false; reason: 'not_found' | 'in_flight' }>;
}

export function endpointFromRow(row: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
  return {
    id: row.id,
    partnerId: row.partner_id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEventType[],
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretUntil: row.previous_secret_until,
    enabled: Boolean(row.enabled),
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
    failingSince: row.failing_since,
    lastSuccessAt: row.last_success_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function endpointToRow(e: WebhookEndpoint): WebhookEndpointsTable {
  return {
    id: e.id,
    partner_id: e.partnerId,
    url: e.url,
    events: JSON.stringify(e.events),
    secret: e.secret,
    previous_secret: e.previousSecret,
    previous_secret_until: e.previousSecretUntil,
    enabled: e.enabled ? 1 : 0,
    disabled_at: e.disabledAt,
    disabled_reason: e.disabledReason,
    failing_since: e.failingSince,
    last_success_at: e.lastSuccessAt,
    created_by: e.createdBy,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  };
}

const waiting = ['held', 'pending', 'failed', 'sending'] as const;

export function createWebhookStore(db: Kysely<Database>): WebhookStore {
  const get = async (id: string) => {
    const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? endpointFromRow(row) : null;
  };
  const giveUpWaiting = (id: string, answer: string) =>
    db
      .updateTable('outbox')
      .set({ status: 'given_up', claimed_until: null, claim_token: null, next_attempt_at: null, last_answer: answer })
      .where('endpoint_id', '=', id)
      .where('status', 'in', waiting)
      .execute();

  return {
    async create(endpoint) {
      await db.insertInto('webhook_endpoints').values(endpointToRow(endpoint)).execute();
    },

    get,

    async list(partnerId) {
      const rows = await db.selectFrom('webhook_endpoints').selectAll().where('partner_id', '=', partnerId).orderBy('created_at').orderBy('id').execute();
      return rows.map(endpointFromRow);
    },

    async update(id, patch, at = new Date()) {
      await db
        .updateTable('webhook_endpoints')
        .set({
          updated_at: at.toISOString(),
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          ...(patch.events !== undefined ? { events: JSON.stringify(patch.events) } : {}),
          ...(patch.enabled === true ? { enabled: 1, disabled_at: null, disabled_reason: null, failing_since: null } : {}),
          ...(patch.enabled === false ? { enabled: 0, disabled_at: at.toISOString(), disabled_reason: 'Disabled by the partner.' } : {}),
        })
        .where('id', '=', id)
        .execute();
      if (patch.enabled === false) await giveUpWaiting(id, 'The endpoint was disabled by the partner.');
      return get(id);
    },

    async rotateSecret(id, secrets, at = new Date()) {
      await db
        .updateTable('webhook_endpoints')
        .set({ secret: secrets.secret, previous_secret: secrets.previousSecret, previous_secret_until: secrets.previousSecretUntil, updated_at: at.toISOString() })
        .where('id', '=', id)
        .execute();
      return get(id);
    },

    async remove(id) {
      const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
      await giveUpWaiting(id, 'The endpoint was deleted.');
      return Number(result.numDeletedRows) > 0;
    },

    async recordSuccess(id, at = new Date()) {
      await db.updateTable('webhook_endpoints').set({ failing_since: null, last_success_at: at.toISOString() }).where('id', '=', id).execute();
    },

    async recordFailure(id, at = new Date()) {
      await db.updateTable('webhook_endpoints').set({ failing_since: at.toISOString() }).where('id', '=', id).where('failing_since', 'is', null).execute();
      return (await get(id))?.failingSince ?? null;
    },

    async disable(id, reason, at = new Date()) {
      const result = await db
        .updateTable('webhook_endpoints')
        .set({ enabled: 0, disabled_at: at.toISOString(), disabled_reason: reason, updated_at: at.toISOString() })
        .where('id', '=', id)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      await giveUpWaiting(id, `The endpoint was disabled: ${reason}`);
      return Number(result.numUpdatedRows) > 0;
    },

    async listDeliveries({ endpointId, status, limit, cursor }) {
      if (!Number.isInteger(limit) || limit < 1) throw new StoreInputError(`The limit must be a positive integer, not ${limit}.`);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .where('endpoint_id', '=', endpointId)
        // A held delivery belongs to a step not known to have happened: nobody sees it yet.
        .where('status', '!=', 'held')
        .$if(status !== undefined, (qb) => qb.where('status', '=', status!))
        .$if(after !== undefined, (qb) =>
          qb.where((eb) => eb.or([eb('created_at', '<', after!.at), eb.and([eb('created_at', '=', after!.at), eb('key', '<', after!.id)])])),
        )
        .orderBy('created_at', 'desc')
        .orderBy('key', 'desc')
        .limit(limit + 1)
        .execute();
      return pageOf(rows, limit, outboxFromRow, (m) => ({ at: m.createdAt, id: m.key }));
    },

    async getDelivery(endpointId, deliveryId) {
      const row = await db.selectFrom('outbox').selectAll().where('delivery_id', '=', deliveryId).where('endpoint_id', '=', endpointId).executeTakeFirst();
      return row && row.status !== 'held' ? outboxFromRow(row) : null;
    },

    async redeliver(endpointId, deliveryId) {
      const before = await this.getDelivery(endpointId, deliveryId);
      if (!before) return { ok: false, reason: 'not_found' };
      await db
        .updateTable('outbox')
        .set({ status: 'pending', next_attempt_at: null, failing_since: null, claimed_until: null, claim_token: null })
        .where('key', '=', before.key)
        .where('status', 'in', ['pending', 'failed', 'sent', 'given_up'])
        .execute();
      const after = (await this.getDelivery(endpointId, deliveryId))!;
      if (after.status === 'sending') return { ok: false, reason: 'in_flight' };
      return { ok: true, delivery: after };
    },
  };
}
