import type { Kysely, Transaction } from 'kysely';
import { noFacts, type Announcement, type NotifyParams, type Role } from '../machines/types';
import { decodeCursor, encodeCursor } from './cursor';
import { StoreInputError } from './errors';
import {
  defaultMessageSettings,
  type MessageSettings,
  type OutboxMessage,
  type Partner,
  type ProcessRow,
  type Step,
  type TransitionRecord,
} from './model';
import {
  outboxFromRow,
  outboxToRow,
  partnerFromRow,
  partnerToRow,
  processFromRow,
  processToRow,
  recordFromRow,
  recordToRow,
  type OutboxEntry,
} from './rows';
import type { Database } from './schema';

export type { OutboxEntry };

export interface ProcessQuery {
  kind?: string;
  state?: string;
  partnerId?: string;
  waitingFor?: Role;
  limit: number;
  /** The `next` of a previous page. */
  cursor?: string;
}

export interface PartnerSeed {
  companyName?: string;
  contactEmail?: string;
}

export interface PartnerPatch {
  companyName?: string;
  /** Replaces the company information. */
  company?: Record<string, unknown>;
  /** Merged into the contact: fields not named stay. */
  contact?: Partner['contact'];
  /** Merged per topic and channel: `{ reviewOutcome: { sms: false } }` changes only that switch. */
  messageSettings?: { [T in NotifyParams['topic']]?: Partial<MessageSettings[T]> };
}

export interface Store {
  getProcess(id: string): Promise<ProcessRow | null>;
  /** Newest first; `next` is present when more rows follow. */
  listProcesses(query: ProcessQuery): Promise<{ items: ProcessRow[]; next?: string }>;
  listRecords(processId: string): Promise<TransitionRecord[]>;
  getPartner(id: string): Promise<Partner | null>;
  ensurePartner(id: string, seed: PartnerSeed): Promise<Partner>;
  /** Creates the partner with defaults when it has no row yet: its identity comes from the keys, not the store. */
  updatePartner(id: string, patch: PartnerPatch): Promise<Partner>;
  setPartnerFact(id: string, announcement: Announcement): Promise<Partner>;
  /** Inserts the view of a new process; never overwrites one already there. */
  openProcess(view: ProcessRow): Promise<void>;
  /** Records and the view in one transaction; a view never moves back to an older version (R71). */
  saveStep(step: Step): Promise<void>;
  listOutbox(filter: { processId?: string; recipient?: string }): Promise<OutboxEntry[]>;
  /** Messages whose key is already there are left as they are (R74). */
  insertOutbox(messages: OutboxEntry[]): Promise<void>;
  /** Takes a pending or failed message for sending; false when someone took it before (R74). */
  claimOutbox(key: string): Promise<boolean>;
  markOutbox(key: string, status: 'sent' | 'failed'): Promise<void>;
  listOpenProcesses(partnerId: string): Promise<ProcessRow[]>;
  close(): Promise<void>;
}

export type Dialect = 'sqlite' | 'postgres';

const now = () => new Date().toISOString();

/** A partner as it is before it has changed anything: the defaults. */
export function newPartner(id: string): Partner {
  return {
    id,
    companyName: null,
    company: {},
    contact: {},
    messageSettings: defaultMessageSettings,
    facts: noFacts,
    certifiedRoles: [],
    updatedAt: now(),
  };
}

function mergeSettings(settings: MessageSettings, patch: PartnerPatch['messageSettings'] = {}): MessageSettings {
  const merged = { ...settings };
  for (const topic of Object.keys(patch) as Array<keyof MessageSettings>) {
    merged[topic] = { ...settings[topic], ...patch[topic] };
  }
  return merged;
}

function withFact(partner: Partner, announcement: Announcement): Partner {
  if (announcement.fact === 'roleCertified') {
    if (partner.certifiedRoles.includes(announcement.role)) return partner;
    return { ...partner, certifiedRoles: [...partner.certifiedRoles, announcement.role] };
  }
  const contact = announcement.email && !partner.contact.email ? { ...partner.contact, email: announcement.email } : partner.contact;
  return { ...partner, contact, facts: { ...partner.facts, [announcement.fact]: announcement.value } };
}

export function createStore(db: Kysely<Database>, dialect: Dialect): Store {
  /**
   * Read-modify-write of one partner in a transaction (JSON merges are not portable SQL).
   * PostgreSQL locks the row; SQLite serialises writers anyway.
   */
  async function changePartner(id: string, change: (partner: Partner) => Partner): Promise<Partner> {
    return db.transaction().execute(async (trx: Transaction<Database>) => {
      await trx.insertInto('partners').values(partnerToRow(newPartner(id))).onConflict((oc) => oc.column('id').doNothing()).execute();
      const row = await trx
        .selectFrom('partners')
        .selectAll()
        .where('id', '=', id)
        .$if(dialect === 'postgres', (qb) => qb.forUpdate())
        .executeTakeFirstOrThrow();
      const before = partnerFromRow(row);
      const after = change(before);
      if (JSON.stringify(after) === JSON.stringify(before)) return before;
      const changed = { ...after, updatedAt: now() };
      await trx.updateTable('partners').set(partnerToRow(changed)).where('id', '=', id).execute();
      return changed;
    });
  }

  return {
    async getProcess(id) {
      const row = await db.selectFrom('processes').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? processFromRow(row) : null;
    },

    async listProcesses({ kind, state, partnerId, waitingFor, limit, cursor }) {
      if (!Number.isInteger(limit) || limit < 1) throw new StoreInputError(`The limit must be a positive integer, not ${limit}.`);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await db
        .selectFrom('processes')
        .selectAll()
        .$if(kind !== undefined, (qb) => qb.where('kind', '=', kind!))
        .$if(state !== undefined, (qb) => qb.where('state', '=', state!))
        .$if(partnerId !== undefined, (qb) => qb.where('partner_id', '=', partnerId!))
        .$if(waitingFor !== undefined, (qb) => qb.where('waiting_for', '=', waitingFor!))
        .$if(after !== undefined, (qb) =>
          qb.where((eb) =>
            eb.or([
              eb('created_at', '<', after!.createdAt),
              eb.and([eb('created_at', '=', after!.createdAt), eb('id', '<', after!.id)]),
            ]),
          ),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(processFromRow);
      const last = items[items.length - 1];
      return rows.length > limit ? { items, next: encodeCursor({ createdAt: last.createdAt, id: last.id }) } : { items };
    },

    async listRecords(processId) {
      const rows = await db.selectFrom('records').selectAll().where('process_id', '=', processId).orderBy('seq').execute();
      return rows.map(recordFromRow);
    },

    async getPartner(id) {
      const row = await db.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? partnerFromRow(row) : null;
    },

    ensurePartner(id, seed) {
      return changePartner(id, (partner) => ({
        ...partner,
        companyName: partner.companyName || seed.companyName || null,
        contact: partner.contact.email || !seed.contactEmail ? partner.contact : { ...partner.contact, email: seed.contactEmail },
      }));
    },

    updatePartner(id, patch) {
      return changePartner(id, (partner) => ({
        ...partner,
        companyName: patch.companyName ?? partner.companyName,
        company: patch.company ?? partner.company,
        contact: { ...partner.contact, ...patch.contact },
        messageSettings: mergeSettings(partner.messageSettings, patch.messageSettings),
      }));
    },

    setPartnerFact(id, announcement) {
      return changePartner(id, (partner) => withFact(partner, announcement));
    },

    async openProcess(view) {
      await db.insertInto('processes').values(processToRow(view)).onConflict((oc) => oc.column('id').doNothing()).execute();
    },

    async saveStep({ view, records }) {
      await db.transaction().execute(async (trx) => {
        if (records.length > 0) {
          await trx
            .insertInto('records')
            .values(records.map(recordToRow))
            .onConflict((oc) => oc.columns(['process_id', 'seq']).doNothing())
            .execute();
        }
        await trx
          .insertInto('processes')
          .values(processToRow(view))
          .onConflict((oc) =>
            oc
              .column('id')
              .doUpdateSet((eb) => ({
                kind_version: eb.ref('excluded.kind_version'),
                state: eb.ref('excluded.state'),
                state_value: eb.ref('excluded.state_value'),
                context: eb.ref('excluded.context'),
                label: eb.ref('excluded.label'),
                done: eb.ref('excluded.done'),
                version: eb.ref('excluded.version'),
                waiting_for: eb.ref('excluded.waiting_for'),
                updated_at: eb.ref('excluded.updated_at'),
              }))
              .where('processes.version', '<', (eb) => eb.ref('excluded.version')),
          )
          .execute();
      });
    },

    async listOutbox({ processId, recipient }) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .$if(processId !== undefined, (qb) => qb.where('process_id', '=', processId!))
        .$if(recipient !== undefined, (qb) => qb.where('recipient', '=', recipient!))
        .orderBy('process_id')
        .orderBy('seq')
        .orderBy('key')
        .execute();
      return rows.map(outboxFromRow);
    },

    async insertOutbox(messages) {
      if (messages.length === 0) return;
      await db
        .insertInto('outbox')
        .values(messages.map(outboxToRow))
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    },

    async claimOutbox(key) {
      const result = await db
        .updateTable('outbox')
        .set({ status: 'sending' satisfies OutboxMessage['status'] })
        .where('key', '=', key)
        .where('status', 'in', ['pending', 'failed'])
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async markOutbox(key, status) {
      await db
        .updateTable('outbox')
        .set({ status, sent_at: status === 'sent' ? now() : null })
        .where('key', '=', key)
        .execute();
    },

    async listOpenProcesses(partnerId) {
      const rows = await db
        .selectFrom('processes')
        .selectAll()
        .where('partner_id', '=', partnerId)
        .where('done', '=', 0)
        .orderBy('created_at')
        .execute();
      return rows.map(processFromRow);
    },

    close: () => db.destroy(),
  };
}
