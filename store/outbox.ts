import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { OutboxChannel } from './model';
import { outboxFromRow, type OutboxRow } from './rows';
import type { Database } from './schema';

/**
 * The outbox as the dispatcher works it (R74). A sender *claims* a batch of due messages until a time;
 * it sends each and marks it sent, or due again later. A claim that expires (its sender died) makes the
 * message due again, and it goes out again with the same key, hence the same Message-ID, SMS idempotency
 * key or `webhook-id`: only the instant between the receiver's acceptance and the mark can repeat it.
 *
 * Order: messages of one order key (an email address, a phone, a webhook endpoint and process) go out
 * one after another, by position (when queued, or a webhook's step), then process and step (two steps
 * queued within a millisecond), then key. A message is claimable only when every earlier unfinished message of its order key
 * is claimable too, and is claimed with them, earliest first; a failing one holds back the rest.
 */

export interface ClaimOptions {
  /** How long the claim holds; a sender renews it while it works. */
  leaseMs: number;
  limit: number;
  /** At most this many messages of one order key per claim (they are sent one after another). */
  perGroup?: number;
  /** Only this step's messages, and only those no other step's message precedes (the per-step send). */
  only?: { processId: string; seq: number };
  channels?: OutboxChannel[];
  now?: Date;
}

export interface Claim {
  token: string;
  /** Sorted by order key, then in order within it. */
  messages: OutboxRow[];
}

export interface OutboxBacklog {
  held: number;
  /** Due now or overdue, not claimed. */
  due: number;
  /** Waiting for a later attempt (backoff). */
  scheduled: number;
  sending: number;
  /** The oldest time a message not yet sent became due (its next attempt, else its queueing). */
  oldestDueAt: string | null;
}

export interface OutboxStore {
  claim(options: ClaimOptions): Promise<Claim>;
  /** Extends the claim on messages still being worked. */
  renew(token: string, keys: string[], until: Date): Promise<void>;
  /** The receiver accepted it. Marked whoever holds the claim now: it was delivered. */
  markSent(key: string, answer: string | null, at?: Date): Promise<void>;
  /** This attempt failed; due again at `retryAt`. Only while this claim holds. */
  retryLater(key: string, token: string, failure: { answer: string; retryAt: Date; failingSince: string; at?: Date }): Promise<void>;
  /** No more attempts (a webhook past its retries, or its endpoint gone). */
  giveUp(key: string, answer: string, at?: Date): Promise<void>;
  /** Hands back claimed messages not attempted (a message before them failed). */
  release(token: string, keys: string[]): Promise<void>;
  /**
   * Messages a release before this one claimed (no expiry written): treated as claimed from now until
   * `until`, then due again, so a worker of that release still sending during an upgrade is not doubled.
   */
  adoptLegacyClaims(until: Date): Promise<number>;
  backlog(now?: Date): Promise<OutboxBacklog>;
}

const unfinished = ['pending', 'failed', 'sending'] as const;

export function createOutboxStore(db: Kysely<Database>): OutboxStore {
  /** Claimable now: due and unclaimed, or claimed by a sender whose claim expired. */
  const ready = (now: string): RawBuilder<SqlBool> =>
    sql<SqlBool>`((status IN ('pending', 'failed') AND (next_attempt_at IS NULL OR next_attempt_at <= ${now})) OR (status = 'sending' AND claimed_until < ${now}))`;

  async function candidates(options: ClaimOptions, now: string): Promise<Array<{ key: string; order_key: string; rn: number }>> {
    const { only, channels } = options;
    // A held webhook row holds back the later steps of its process (they are in one order key); held
    // email and SMS do not hold up a recipient's mail from other processes.
    const rows = await sql<{ key: string; order_key: string; rn: number }>`
      WITH open_rows AS (
        SELECT "key", created_at, order_key, "position", process_id, seq, channel,
          CASE WHEN ${ready(now)} THEN 0 ELSE 1 END AS waiting
        FROM outbox
        WHERE status IN ('pending', 'failed', 'sending') OR (status = 'held' AND channel = 'webhook')
      ), ranked AS (
        SELECT "key", created_at, order_key, process_id, seq, channel,
          ROW_NUMBER() OVER w AS rn,
          SUM(waiting) OVER w AS blocked,
          SUM(CASE WHEN process_id = ${only?.processId ?? ''} AND seq = ${only?.seq ?? -1} THEN 0 ELSE 1 END) OVER w AS foreign_rows
        FROM open_rows
        WINDOW w AS (PARTITION BY order_key ORDER BY "position", process_id, seq, "key" ROWS UNBOUNDED PRECEDING)
      )
      SELECT "key", order_key, CAST(rn AS INTEGER) AS rn FROM ranked
      WHERE blocked = 0 AND rn <= ${options.perGroup ?? 20}
        ${only ? sql`AND foreign_rows = 0` : sql``}
        ${channels ? sql`AND channel IN (${sql.join(channels)})` : sql``}
      ORDER BY rn, created_at, "key"
      LIMIT ${options.limit}`.execute(db);
    return rows.rows.map((r) => ({ ...r, rn: Number(r.rn) }));
  }

  return {
    async claim(options) {
      const token = randomBytes(12).toString('base64url');
      const at = options.now ?? new Date();
      const now = at.toISOString();
      const picked = await candidates(options, now);
      if (picked.length === 0) return { token, messages: [] };
      // The conditions again, on the row as it is now: of two senders racing for a message, one gets it.
      const claimed = await db
        .updateTable('outbox')
        .set((eb) => ({
          status: 'sending',
          claimed_until: new Date(at.getTime() + options.leaseMs).toISOString(),
          claim_token: token,
          attempts: eb('attempts', '+', 1),
          last_attempt_at: now,
        }))
        .where('key', 'in', picked.map((p) => p.key))
        .where(ready(now) as any)
        .returningAll()
        .execute();
      const got = new Map(claimed.map((row) => [row.key, outboxFromRow(row)]));
      // Keep each order key's run unbroken from its first message: a message another sender took first
      // makes the ones after it wait for the next claim.
      const messages: OutboxRow[] = [];
      const giveBack: string[] = [];
      const broken = new Set<string>();
      for (const p of [...picked].sort((a, b) => (a.order_key < b.order_key ? -1 : a.order_key > b.order_key ? 1 : a.rn - b.rn))) {
        const row = got.get(p.key);
        if (!row) broken.add(p.order_key);
        else if (broken.has(p.order_key)) giveBack.push(p.key);
        else messages.push(row);
      }
      if (giveBack.length) await this.release(token, giveBack);
      return { token, messages };
    },

    async renew(token, keys, until) {
      if (keys.length === 0) return;
      await db
        .updateTable('outbox')
        .set({ claimed_until: until.toISOString() })
        .where('key', 'in', keys)
        .where('claim_token', '=', token)
        .where('status', '=', 'sending')
        .execute();
    },

    async markSent(key, answer, at = new Date()) {
      await db
        .updateTable('outbox')
        .set({ status: 'sent', sent_at: at.toISOString(), claimed_until: null, claim_token: null, next_attempt_at: null, failing_since: null, last_answer: answer })
        .where('key', '=', key)
        .where('status', '!=', 'sent')
        .execute();
    },

    async retryLater(key, token, { answer, retryAt, failingSince }) {
      await db
        .updateTable('outbox')
        .set({ status: 'pending', claimed_until: null, claim_token: null, next_attempt_at: retryAt.toISOString(), last_answer: answer, failing_since: failingSince })
        .where('key', '=', key)
        .where('claim_token', '=', token)
        .where('status', '=', 'sending')
        .execute();
    },

    async giveUp(key, answer) {
      await db
        .updateTable('outbox')
        .set({ status: 'given_up', claimed_until: null, claim_token: null, next_attempt_at: null, last_answer: answer })
        .where('key', '=', key)
        .where('status', '!=', 'sent')
        .execute();
    },

    async release(token, keys) {
      if (keys.length === 0) return;
      await db
        .updateTable('outbox')
        .set((eb) => ({ status: 'pending', claimed_until: null, claim_token: null, attempts: eb('attempts', '-', 1) }))
        .where('key', 'in', keys)
        .where('claim_token', '=', token)
        .where('status', '=', 'sending')
        .execute();
    },

    async adoptLegacyClaims(until) {
      const result = await db
        .updateTable('outbox')
        .set({ claimed_until: until.toISOString() })
        .where('status', '=', 'sending')
        .where('claimed_until', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async backlog(at = new Date()) {
      const now = at.toISOString();
      const row = await db
        .selectFrom('outbox')
        .select((eb) => [
          eb.fn.sum<number>(sql`CASE WHEN status = 'held' THEN 1 ELSE 0 END`).as('held'),
          eb.fn.sum<number>(sql`CASE WHEN ${ready(now)} THEN 1 ELSE 0 END`).as('due'),
          eb.fn.sum<number>(sql`CASE WHEN status IN ('pending', 'failed') AND next_attempt_at > ${now} THEN 1 ELSE 0 END`).as('scheduled'),
          eb.fn.sum<number>(sql`CASE WHEN status = 'sending' AND claimed_until >= ${now} THEN 1 ELSE 0 END`).as('sending'),
          eb.fn.min<string>(sql`CASE WHEN status <> 'held' THEN COALESCE(next_attempt_at, created_at) END`).as('oldest'),
        ])
        .where('status', 'in', ['held', ...unfinished])
        .executeTakeFirstOrThrow();
      return {
        held: Number(row.held ?? 0),
        due: Number(row.due ?? 0),
        scheduled: Number(row.scheduled ?? 0),
        sending: Number(row.sending ?? 0),
        oldestDueAt: (row.oldest as string | null) ?? null,
      };
    },
  };
}
