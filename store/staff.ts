import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Role } from '../machines/types';
import { decodeCursor, pageOf } from './cursor';
import { StoreInputError } from './errors';
import type { TransitionRecord } from './model';
import { recordFromRow } from './rows';
import type { Database } from './schema';
import type { ApiKeysTable, DelegationsTable, KeyEventsTable } from './staffSchema';

/** The vendor's staff (who is a reviewer, who stands in for whom) and managed API keys with their audit. */

export interface Person {
  id: string;
  role: Role;
  name: string | null;
  email: string | null;
  source: 'keys-file' | 'managed-key' | 'oidc';
  seenAt: string;
}

export interface Delegation {
  id: string;
  reviewerId: string;
  delegateId: string;
  /** ISO UTC: the period during which the delegate stands in. */
  from: string;
  until: string;
  createdBy: string;
  createdAt: string;
  cancelledAt: string | null;
  cancelledBy: string | null;
}

export interface ManagedKey {
  keyId: string;
  secretHash: string;
  id: string;
  role: Role;
  partnerId: string | null;
  customerId: string | null;
  name: string | null;
  email: string | null;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  lastUsedAt: string | null;
}

export interface KeyEvent {
  id: string;
  keyId: string;
  /** `expired`: the key reached its `expiresAt` unrevoked (at that time, by `system`); no row is written for it. */
  event: 'created' | 'revoked' | 'expired';
  at: string;
  actorId: string;
  actorRole: Role;
  identityId: string;
  role: Role;
  partnerId: string | null;
}

/** A decision recorded by a reviewer, with the kind and settings of its process, for the review-time report. */
export interface DecisionRow {
  record: TransitionRecord;
  kind: string;
  kindVersion: number;
  context: unknown;
}

/** Why a delegation cannot be stored: it overlaps one of the reviewer's own, or the delegate is away then. */
export class DelegationConflict extends Error {
  constructor(
    readonly code: 'overlapping_delegation' | 'delegate_away' | 'reviewer_is_delegate',
    readonly other: Delegation,
  ) {
    super(code);
  }
}

export interface StaffStore {
  /** Notes that a person authenticated with a staff role, keeping the name and email they came with. */
  notePerson(person: Person): Promise<void>;
  getPerson(id: string, role: Role): Promise<Person | null>;
  /**
   * Stores a delegation unless the reviewer already has one overlapping it, or the delegate is away
   * during it (no chains); the same period to the same delegate again returns the one stored.
   */
  addDelegation(delegation: Delegation): Promise<{ delegation: Delegation; created: boolean }>;
  /** A reviewer's delegations that end after `after`, earliest first (cancelled ones left out). */
  listDelegations(reviewerId: string, after: string): Promise<Delegation[]>;
  getDelegation(id: string): Promise<Delegation | null>;
  cancelDelegation(id: string, by: string, at: string): Promise<Delegation | null>;
  /** Who stands in for `reviewerId` at `at`, if anyone. */
  delegateOf(reviewerId: string, at: string): Promise<string | null>;
  /** The reviewers `delegateId` stands in for at `at`. */
  standingInFor(delegateId: string, at: string): Promise<string[]>;

  /** Stores a new key and its `created` event in one transaction. */
  createKey(key: ManagedKey, by: { id: string; role: Role }): Promise<void>;
  getKey(keyId: string): Promise<ManagedKey | null>;
  /** Newest first; a partner's own only when `partnerId` is given, and only keys of these roles when `roles` is. */
  listKeys(query: { partnerId?: string; roles?: readonly Role[]; limit: number; cursor?: string }): Promise<{ items: ManagedKey[]; next?: string }>;
  /** Revokes the key now unless it is revoked already (then it stays as it was, with no second event). */
  revokeKey(keyId: string, by: { id: string; role: Role }, at: string): Promise<ManagedKey | null>;
  /** Notes the key's use; written at most once a minute per key. */
  touchKey(keyId: string, at: string): Promise<void>;
  /** The keys' audit list, newest first, with each key's expiry once it has passed. */
  listKeyEvents(query: { partnerId?: string; roles?: readonly Role[]; keyId?: string; limit: number; cursor?: string }): Promise<{ items: KeyEvent[]; next?: string }>;

  /** Reviewers' decisions recorded in [from, to), with their processes' kind and context. */
  listDecisions(query: { from: string; to: string; kind?: string }): Promise<DecisionRow[]>;
  /** Every record of these processes, by process then sequence. */
  recordsOf(processIds: string[]): Promise<TransitionRecord[]>;
}

const delegationFromRow = (row: Selectable<DelegationsTable>): Delegation => ({
  id: row.id,
  reviewerId: row.reviewer_id,
  delegateId: row.delegate_id,
  from: row.starts_at,
  until: row.ends_at,
  createdBy: row.created_by,
  createdAt: row.created_at,
  cancelledAt: row.cancelled_at,
  cancelledBy: row.cancelled_by,
});

const keyFromRow = (row: Selectable<ApiKeysTable>): ManagedKey => ({
  keyId: row.key_id,
  secretHash: row.secret_hash,
  id: row.identity_id,
  role: row.role as Role,
  partnerId: row.partner_id,
  customerId: row.customer_id,
  name: row.name,
  email: row.email,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  revokedBy: row.revoked_by,
  lastUsedAt: row.last_used_at,
});

const keyEventFromRow = (row: Selectable<KeyEventsTable>): KeyEvent => ({
  id: row.id,
  keyId: row.key_id,
  event: row.event as KeyEvent['event'],
  at: row.at,
  actorId: row.actor_id,
  actorRole: row.actor_role as Role,
  identityId: row.identity_id,
  role: row.role as Role,
  partnerId: row.partner_id,
});

function utc(time: string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) throw new StoreInputError(`"${time}" is not an ISO-8601 time.`);
  return date.toISOString();
}

const checkLimit = (limit: number) => {
  if (!Number.isInteger(limit) || limit < 1) throw new StoreInputError(`The limit must be a positive integer, not ${limit}.`);
};

/** Large `in` lists are split, so no statement exceeds a dialect's parameter limit. */
const chunks = <T>(items: T[], size = 500): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

export function createStaffStore(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): StaffStore {
  /** Live delegations (not cancelled) overlapping [from, until) of the reviewer (or delegate, per `column`). */
  const overlapping = (trx: Kysely<Database>, column: 'reviewer_id' | 'delegate_id', id: string, from: string, until: string) =>
    trx
      .selectFrom('delegations')
      .selectAll()
      .where(column, '=', id)
      .where('cancelled_at', 'is', null)
      .where('starts_at', '<', until)
      .where('ends_at', '>', from)
      .orderBy('starts_at')
      .execute();

  return {
    async notePerson(person) {
      await db
        .insertInto('people')
        .values({ id: person.id, role: person.role, name: person.name, email: person.email, source: person.source, seen_at: utc(person.seenAt) })
        .onConflict((oc) =>
          oc.columns(['id', 'role']).doUpdateSet((eb) => ({
            // A sign-in without a name or email keeps the ones known.
            name: eb.fn.coalesce('excluded.name', 'people.name'),
            email: eb.fn.coalesce('excluded.email', 'people.email'),
            source: eb.ref('excluded.source'),
            seen_at: eb.ref('excluded.seen_at'),
          })),
        )
        .execute();
    },

    async getPerson(id, role) {
      const row = await db.selectFrom('people').selectAll().where('id', '=', id).where('role', '=', role).executeTakeFirst();
      return row
        ? { id: row.id, role: row.role as Role, name: row.name, email: row.email, source: row.source as Person['source'], seenAt: row.seen_at }
        : null;
    },

    async addDelegation(delegation) {
      const from = utc(delegation.from);
      const until = utc(delegation.until);
      return db.transaction().execute(async (trx) => {
        // Check, then insert: SQLite serialises writers; on PostgreSQL both people's locks are taken first (in order, so two never deadlock).
        if (dialect === 'postgres')
          for (const id of [delegation.reviewerId, delegation.delegateId].sort()) await sql`select pg_advisory_xact_lock(hashtext(${`delegation:${id}`}))`.execute(trx);
        const own = (await overlapping(trx, 'reviewer_id', delegation.reviewerId, from, until)).map(delegationFromRow);
        const same = own.find((d) => d.delegateId === delegation.delegateId && d.from === from && d.until === until);
        if (same) return { delegation: same, created: false };
        if (own.length) throw new DelegationConflict('overlapping_delegation', own[0]);
        const away = (await overlapping(trx, 'reviewer_id', delegation.delegateId, from, until)).map(delegationFromRow);
        if (away.length) throw new DelegationConflict('delegate_away', away[0]);
        // A reviewer standing in for someone cannot pass that on by going away: the chain would hand the other's reviews
        // to a third person nobody chose.
        const covering = (await overlapping(trx, 'delegate_id', delegation.reviewerId, from, until)).map(delegationFromRow);
        if (covering.length) throw new DelegationConflict('reviewer_is_delegate', covering[0]);
        await trx
          .insertInto('delegations')
          .values({
            id: delegation.id,
            reviewer_id: delegation.reviewerId,
            delegate_id: delegation.delegateId,
            starts_at: from,
            ends_at: until,
            created_by: delegation.createdBy,
            created_at: utc(delegation.createdAt),
            cancelled_at: null,
            cancelled_by: null,
          })
          .execute();
        return { delegation: { ...delegation, from, until, createdAt: utc(delegation.createdAt) }, created: true };
      });
    },

    async listDelegations(reviewerId, after) {
      const rows = await db
        .selectFrom('delegations')
        .selectAll()
        .where('reviewer_id', '=', reviewerId)
        .where('cancelled_at', 'is', null)
        .where('ends_at', '>', utc(after))
        .orderBy('starts_at')
        .execute();
      return rows.map(delegationFromRow);
    },

    async getDelegation(id) {
      const row = await db.selectFrom('delegations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? delegationFromRow(row) : null;
    },

    async cancelDelegation(id, by, at) {
      await db.updateTable('delegations').set({ cancelled_at: utc(at), cancelled_by: by }).where('id', '=', id).where('cancelled_at', 'is', null).execute();
      return this.getDelegation(id);
    },

    async delegateOf(reviewerId, at) {
      const row = await db
        .selectFrom('delegations')
        .select('delegate_id')
        .where('reviewer_id', '=', reviewerId)
        .where('cancelled_at', 'is', null)
        .where('starts_at', '<=', utc(at))
        .where('ends_at', '>', utc(at))
        .executeTakeFirst();
      return row?.delegate_id ?? null;
    },

    async standingInFor(delegateId, at) {
      const rows = await db
        .selectFrom('delegations')
        .select('reviewer_id')
        .where('delegate_id', '=', delegateId)
        .where('cancelled_at', 'is', null)
        .where('starts_at', '<=', utc(at))
        .where('ends_at', '>', utc(at))
        .orderBy('reviewer_id')
        .execute();
      return rows.map((r) => r.reviewer_id);
    },

    async createKey(key, by) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('api_keys')
          .values({
            key_id: key.keyId,
            secret_hash: key.secretHash,
            identity_id: key.id,
            role: key.role,
            partner_id: key.partnerId,
            customer_id: key.customerId,
            name: key.name,
            email: key.email,
            created_at: utc(key.createdAt),
            created_by: key.createdBy,
            expires_at: key.expiresAt === null ? null : utc(key.expiresAt),
            revoked_at: null,
            revoked_by: null,
            last_used_at: null,
          })
          .execute();
        await trx
          .insertInto('key_events')
          .values({ id: randomUUID(), key_id: key.keyId, event: 'created', at: utc(key.createdAt), actor_id: by.id, actor_role: by.role, identity_id: key.id, role: key.role, partner_id: key.partnerId })
          .execute();
      });
    },

    async getKey(keyId) {
      const row = await db.selectFrom('api_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
      return row ? keyFromRow(row) : null;
    },

    async listKeys({ partnerId, roles, limit, cursor }) {
      checkLimit(limit);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .$if(partnerId !== undefined, (qb) => qb.where('partner_id', '=', partnerId!))
        .$if(roles !== undefined, (qb) => qb.where('role', 'in', [...roles!]))
        .$if(after !== undefined, (qb) =>
          qb.where((eb) => eb.or([eb('created_at', '<', after!.at), eb.and([eb('created_at', '=', after!.at), eb('key_id', '<', after!.id)])])),
        )
        .orderBy('created_at', 'desc')
        .orderBy('key_id', 'desc')
        .limit(limit + 1)
        .execute();
      return pageOf(rows, limit, keyFromRow, (k) => ({ at: k.createdAt, id: k.keyId }));
    },

    async revokeKey(keyId, by, at) {
      await db.transaction().execute(async (trx) => {
        const revoked = await trx
          .updateTable('api_keys')
          .set({ revoked_at: utc(at), revoked_by: by.id })
          .where('key_id', '=', keyId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (Number(revoked.numUpdatedRows) === 0) return;
        const key = await trx.selectFrom('api_keys').selectAll().where('key_id', '=', keyId).executeTakeFirstOrThrow();
        await trx
          .insertInto('key_events')
          .values({ id: randomUUID(), key_id: keyId, event: 'revoked', at: utc(at), actor_id: by.id, actor_role: by.role, identity_id: key.identity_id, role: key.role, partner_id: key.partner_id })
          .execute();
      });
      return this.getKey(keyId);
    },

    async touchKey(keyId, at) {
      const minuteAgo = new Date(Date.parse(at) - 60_000).toISOString();
      await db
        .updateTable('api_keys')
        .set({ last_used_at: utc(at) })
        .where('key_id', '=', keyId)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', minuteAgo)]))
        .execute();
    },

    async listKeyEvents({ partnerId, roles, keyId, limit, cursor }) {
      checkLimit(limit);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      // An expiry is an event nobody makes: it is read from the key itself (once its time has passed, unless
      // it was revoked before), so the list has it at its time without a sweep writing it.
      const expiries = db
        .selectFrom('api_keys')
        .select([
          sql<string>`'expired:' || key_id`.as('id'),
          'key_id',
          sql<string>`'expired'`.as('event'),
          sql<string>`expires_at`.as('at'),
          sql<string>`'system'`.as('actor_id'),
          sql<string>`'system'`.as('actor_role'),
          'identity_id',
          'role',
          'partner_id',
        ])
        .where('expires_at', '<=', new Date().toISOString())
        .where((eb) => eb.or([eb('revoked_at', 'is', null), eb('revoked_at', '>', eb.ref('expires_at'))]));
      const events = db
        .selectFrom('key_events')
        .select(['id', 'key_id', 'event', 'at', 'actor_id', 'actor_role', 'identity_id', 'role', 'partner_id'])
        .unionAll(expiries);
      const rows = await db
        .selectFrom(events.as('e'))
        .selectAll()
        .$if(partnerId !== undefined, (qb) => qb.where('partner_id', '=', partnerId!))
        .$if(roles !== undefined, (qb) => qb.where('role', 'in', [...roles!]))
        .$if(keyId !== undefined, (qb) => qb.where('key_id', '=', keyId!))
        .$if(after !== undefined, (qb) => qb.where((eb) => eb.or([eb('at', '<', after!.at), eb.and([eb('at', '=', after!.at), eb('id', '<', after!.id)])])))
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      return pageOf(rows, limit, keyEventFromRow, (e) => ({ at: e.at, id: e.id }));
    },

    async listDecisions({ from, to, kind }) {
      const rows = await db
        .selectFrom('records')
        .innerJoin('processes', 'processes.id', 'records.process_id')
        .selectAll('records')
        .select(['processes.kind', 'processes.kind_version', 'processes.context'])
        .where('records.role', '=', 'reviewer')
        .where('records.at', '>=', utc(from))
        .where('records.at', '<', utc(to))
        .$if(kind !== undefined, (qb) => qb.where('processes.kind', '=', kind!))
        .orderBy('records.at')
        .orderBy('records.process_id')
        .execute();
      return rows.map((row) => ({ record: recordFromRow(row), kind: row.kind, kindVersion: row.kind_version, context: JSON.parse(row.context) as unknown }));
    },

    async recordsOf(processIds) {
      const out: TransitionRecord[] = [];
      for (const ids of chunks([...new Set(processIds)])) {
        const rows = await db.selectFrom('records').selectAll().where('process_id', 'in', ids).orderBy('process_id').orderBy('seq').execute();
        out.push(...rows.map(recordFromRow));
      }
      return out;
    },
  };
}
