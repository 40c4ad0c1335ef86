import type { Kysely, Transaction } from 'kysely';
import { noFacts, type Announcement, type PartnerTopic, type Role } from '../machines/types';
import { decodeCursor, pageOf } from './cursor';
import { createCustomerStore, type CustomerStore } from './customers';
import { createKindMigrationStore, type KindMigrationStore } from './kindMigrations';
import { createRepairStore, type RepairStore } from './repairs';
import { createSmsQuotaStore, type SmsQuotaStore } from './smsQuota';
import { createStaffStore, type StaffStore } from './staff';
import { StoreInputError } from './errors';
import { createStoreHealth, type StoreHealth } from './health';
import {
  defaultMessageSettings,
  type MessageSettings,
  type Partner,
  type ProcessRow,
  type Step,
  type Task,
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
  taskFromRow,
  type OutboxEntry,
  type OutboxRow,
} from './rows';
import { createOutboxStore, type OutboxStore } from './outbox';
import type { Database } from './schema';
import { createWebhookStore, endpointFromRow, type WebhookEndpoint, type WebhookStore } from './webhooks';

export type { OutboxEntry };

export interface SaveStepOptions {
  /** The step's webhook deliveries, composed for the partner's enabled endpoints as read in the step's transaction. */
  webhooks?: (endpoints: WebhookEndpoint[]) => OutboxEntry[];
}

/** A step held until the engine is known to have committed it: the Update that made it, in which run. */
export interface HeldStepRef {
  processId: string;
  seq: number;
  updateId: string;
  runId: string;
  heldAt: string;
}

export interface ProcessQuery {
  kind?: string;
  state?: string;
  partnerId?: string;
  customerId?: string;
  waitingFor?: Role;
  limit: number;
  /** The `next` of a previous page. */
  cursor?: string;
}

export interface TaskQuery {
  role: Role;
  kind?: string;
  partnerId?: string;
  /** Only tasks waiting since this time or earlier. */
  waitingSinceBefore?: string;
  /** Only tasks due before this time (pass now for the overdue ones). */
  overdueAt?: string;
  /** A holder's id (or any of several: a delegate's own and those of the reviewers they stand in for), or null for the unclaimed. */
  claimedBy?: string | string[] | null;
  limit: number;
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
  messageSettings?: { [T in PartnerTopic]?: Partial<MessageSettings[T]> };
}

export interface Store {
  getProcess(id: string): Promise<ProcessRow | null>;
  /** Newest first; `next` is present when more rows follow. */
  listProcesses(query: ProcessQuery): Promise<{ items: ProcessRow[]; next?: string }>;
  listRecords(processId: string): Promise<TransitionRecord[]>;
  /** Where each of these processes stands, in one query: what the shared poller of event streams asks each tick. */
  processVersions(ids: string[]): Promise<Array<{ id: string; version: number; done: boolean }>>;
  getPartner(id: string): Promise<Partner | null>;
  ensurePartner(id: string, seed: PartnerSeed): Promise<Partner>;
  /** Creates the partner with defaults when it has no row yet: its identity comes from the keys, not the store. */
  updatePartner(id: string, patch: PartnerPatch): Promise<Partner>;
  setPartnerFact(id: string, announcement: Announcement): Promise<Partner>;
  /** Inserts the view of a new process; never overwrites one already there. */
  openProcess(view: ProcessRow): Promise<void>;
  /**
   * Records a step, its view, its messages and its webhook deliveries in one transaction; a view never
   * moves back to an older version (R71). A step whose record is already there (a retried activity)
   * changes nothing: its messages were queued with it, to whom they were then (R74). A step saved so is
   * committed, and so are the steps before it: held ones are released first, in order.
   */
  saveStep(step: Step, messages?: OutboxEntry[], options?: SaveStepOptions): Promise<void>;
  /**
   * Keeps a step the engine may not have committed yet (recorded by a local activity inside the Update
   * that made it): nothing of it is shown or sent until `releaseSteps`. Holding the same seq again (a
   * retried attempt, possibly of another event) replaces it.
   */
  holdStep(step: Step, messages: OutboxEntry[], options: SaveStepOptions & { updateId: string; runId: string }): Promise<void>;
  /** Step `seq` of the process is committed, so are those before it: their records, views and messages are written. Returns how many. */
  releaseSteps(processId: string, seq: number): Promise<number>;
  /** Held steps nobody released within `olderThanMs` (their caller died): the dispatcher asks the engine about each. */
  staleHeldSteps(olderThanMs: number, limit: number): Promise<HeldStepRef[]>;
  /** A held step the engine never committed: forgotten, with its messages. */
  dropHeldStep(processId: string, seq: number): Promise<void>;
  /** `seq` narrows to one step's messages: the workers' question on every step, which must not grow with the process. */
  listOutbox(filter: { processId?: string; seq?: number; recipient?: string }): Promise<OutboxRow[]>;
  /** Messages whose key is already there are left as they are (R74). */
  insertOutbox(messages: OutboxEntry[]): Promise<void>;
  /** The dispatcher's side of the outbox: claims, marks, backlog. */
  outbox: OutboxStore;
  /** Partners' webhook endpoints and their deliveries. */
  webhooks: WebhookStore;
  listOpenProcesses(partnerId: string): Promise<ProcessRow[]>;
  /** The messages addressed to a partner about its processes, newest first (its notifications list). */
  listPartnerNotifications(query: { partnerId: string; processId?: string; limit: number; cursor?: string }): Promise<{ items: OutboxEntry[]; next?: string }>;
  /** The inbox of a role: oldest waiting first. */
  listTasks(query: TaskQuery): Promise<{ items: Array<{ task: Task; process: ProcessRow }>; next?: string }>;
  getTask(processId: string, role: Role): Promise<Task | null>;
  /** Takes the task for `holder` unless someone holds it; returns the task as it now is (null: no such task). */
  claimTask(processId: string, role: Role, holder: string): Promise<Task | null>;
  /** Lets go of the task: only its holder's hold, or anyone's when `holder` is undefined (ops). */
  releaseTask(processId: string, role: Role, holder?: string): Promise<Task | null>;
  /** Customers, managers, invitations, verification codes, distributors and sales tasks (R65–R67). */
  customers: CustomerStore;
  /** Migrations of open processes to another version of their kind. */
  kindMigrations: KindMigrationStore;
  /** Ops' repairs made through the API, audited. */
  repairs: RepairStore;
  /** SMS verification codes per phone number and partner per day. */
  smsQuota: SmsQuotaStore;
  /** Takes a process off every inbox (after ops cancelled or terminated its run). */
  endTasks(processId: string): Promise<void>;
  /** Staff (reviewers, delegations while away) and managed API keys with their audit. */
  staff: StaffStore;
  /** The outbox backlog and the reviewers' inbox, for metrics. */
  health: StoreHealth;
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

/** The answer a delivery recorded while its endpoint was disabled shows in the log. */
export const skippedWhileDisabled = 'Not sent: the endpoint was disabled when this was recorded. Enable it, then redeliver.';

export function createStore(db: Kysely<Database>, dialect: Dialect): Store {
  const outbox = createOutboxStore(db);
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

  /**
   * The step's webhook deliveries to every endpoint of the partner, when the step composes them. A
   * disabled endpoint's are recorded too, given up at once and unsent, so that nothing is lost: once it is
   * enabled again the partner redelivers what it missed (`POST …/deliveries/:id/redeliver`).
   */
  async function webhookRows(trx: Transaction<Database>, partnerId: string, options: SaveStepOptions): Promise<OutboxEntry[]> {
    if (!options.webhooks) return [];
    const endpoints = (await trx.selectFrom('webhook_endpoints').selectAll().where('partner_id', '=', partnerId).execute()).map(endpointFromRow);
    if (endpoints.length === 0) return [];
    const disabled = new Set(endpoints.filter((e) => !e.enabled).map((e) => e.id));
    return options.webhooks(endpoints).map((m) => (m.endpointId && disabled.has(m.endpointId) ? { ...m, status: 'given_up' as const, lastAnswer: skippedWhileDisabled } : m));
  }

  /**
   * Writes a committed step: its records, its messages, and its view and inbox unless a newer step is
   * there already. A step whose record is already there (a retried activity) changes nothing.
   */
  async function writeStep(trx: Transaction<Database>, { view, records }: Pick<Step, 'view' | 'records'>, outgoing: OutboxEntry[]): Promise<void> {
    const since = records[0]?.at ?? view.updatedAt;
    if (records.length > 0) {
      const inserted = await trx.insertInto('records').values(records.map(recordToRow)).onConflict((oc) => oc.columns(['process_id', 'seq']).doNothing()).executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return;
    }
    if (outgoing.length > 0) await trx.insertInto('outbox').values(outgoing.map(outboxToRow)).onConflict((oc) => oc.column('key').doNothing()).execute();
    const written = await trx
      .insertInto('processes')
      .values(processToRow(view))
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({
            kind_version: eb.ref('excluded.kind_version'),
            customer_id: eb.ref('excluded.customer_id'),
            state: eb.ref('excluded.state'),
            state_value: eb.ref('excluded.state_value'),
            context: eb.ref('excluded.context'),
            label: eb.ref('excluded.label'),
            done: eb.ref('excluded.done'),
            version: eb.ref('excluded.version'),
            waiting_for: eb.ref('excluded.waiting_for'),
            due_at: eb.ref('excluded.due_at'),
            updated_at: eb.ref('excluded.updated_at'),
          }))
          .where('processes.version', '<', (eb) => eb.ref('excluded.version')),
      )
      .executeTakeFirst();
    // An older step arriving late changes neither the view nor the inbox.
    if (!written || Number(written.numInsertedOrUpdatedRows ?? 0n) === 0) return;
    await trx
      .deleteFrom('tasks')
      .where('process_id', '=', view.id)
      .$if(view.waitingFor.length > 0, (qb) => qb.where('role', 'not in', view.waitingFor))
      .execute();
    for (const role of view.waitingFor) {
      // A role that keeps waiting keeps its `since` and whoever holds the task.
      await trx
        .insertInto('tasks')
        .values({ process_id: view.id, role, since: new Date(since).toISOString(), due_at: role === 'reviewer' ? view.dueAt : null, claimed_by: null, claimed_at: null })
        .onConflict((oc) => oc.columns(['process_id', 'role']).doUpdateSet((eb) => ({ due_at: eb.ref('excluded.due_at') })))
        .execute();
    }
  }

  /** Writes the held steps of a process up to `seq`, in order, and lets their messages go. */
  async function releaseHeld(trx: Transaction<Database>, processId: string, seq: number): Promise<number> {
    // A write first, so that SQLite takes the write lock at once (a read first could not upgrade after another writer).
    const held = (await trx.deleteFrom('held_steps').where('process_id', '=', processId).where('seq', '<=', seq).returningAll().execute()).sort((a, b) => Number(a.seq) - Number(b.seq));
    for (const row of held) await writeStep(trx, JSON.parse(row.step), []);
    const releasing = () => trx.updateTable('outbox').where('process_id', '=', processId).where('seq', '<=', seq).where('status', '=', 'held');
    // A step's webhooks keep their place in the process's order; mail and SMS are queued when the step is
    // committed, so a recipient's mail from other processes sent meanwhile stays before them (R74 order).
    // A step committed while its endpoint is disabled keeps its deliveries there, unsent (see webhookRows).
    const disabledEndpoints = trx.selectFrom('webhook_endpoints').select('id').where('enabled', '=', 0);
    await releasing().where('channel', '=', 'webhook').where('endpoint_id', 'in', disabledEndpoints).set({ status: 'given_up', last_answer: skippedWhileDisabled }).execute();
    const webhooks = await releasing().where('channel', '=', 'webhook').set({ status: 'pending' }).executeTakeFirst();
    const others = await releasing().where('channel', '<>', 'webhook').set({ status: 'pending', position: new Date().toISOString() }).executeTakeFirst();
    return Math.max(held.length, Number(webhooks.numUpdatedRows) + Number(others.numUpdatedRows));
  }

  /** Forgets a held step (superseded, or never committed), with its held messages. */
  async function dropHeld(trx: Transaction<Database>, processId: string, seq: number): Promise<void> {
    await trx.deleteFrom('held_steps').where('process_id', '=', processId).where('seq', '=', seq).execute();
    await trx.deleteFrom('outbox').where('process_id', '=', processId).where('seq', '=', seq).where('status', '=', 'held').execute();
  }

  return {
    async getProcess(id) {
      const row = await db.selectFrom('processes').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? processFromRow(row) : null;
    },

    async listProcesses({ kind, state, partnerId, customerId, waitingFor, limit, cursor }) {
      if (!Number.isInteger(limit) || limit < 1) throw new StoreInputError(`The limit must be a positive integer, not ${limit}.`);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await db
        .selectFrom('processes')
        .selectAll()
        .$if(kind !== undefined, (qb) => qb.where('kind', '=', kind!))
        .$if(state !== undefined, (qb) => qb.where('state', '=', state!))
        .$if(partnerId !== undefined, (qb) => qb.where('partner_id', '=', partnerId!))
        .$if(customerId !== undefined, (qb) => qb.where('customer_id', '=', customerId!))
        .$if(waitingFor !== undefined, (qb) =>
          qb.where(({ exists, selectFrom }) =>
            exists(selectFrom('tasks').select('tasks.role').whereRef('tasks.process_id', '=', 'processes.id').where('tasks.role', '=', waitingFor!)),
          ),
        )
        .$if(after !== undefined, (qb) =>
          qb.where((eb) =>
            eb.or([
              eb('created_at', '<', after!.at),
              eb.and([eb('created_at', '=', after!.at), eb('id', '<', after!.id)]),
            ]),
          ),
        )
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      return pageOf(rows, limit, processFromRow, (p) => ({ at: p.createdAt, id: p.id }));
    },

    async listRecords(processId) {
      const rows = await db.selectFrom('records').selectAll().where('process_id', '=', processId).orderBy('seq').execute();
      return rows.map(recordFromRow);
    },

    async processVersions(ids) {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('processes').select(['id', 'version', 'done']).where('id', 'in', ids).execute();
      return rows.map((row) => ({ id: row.id, version: Number(row.version), done: Boolean(row.done) }));
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

    async saveStep(step, messages = [], options = {}) {
      await db.transaction().execute(async (trx) => {
        const seq = step.records[0]?.seq ?? step.view.version;
        // Recorded as committed: so are the steps before it; an attempt at this seq that was never committed is superseded.
        await releaseHeld(trx, step.view.id, seq - 1);
        await dropHeld(trx, step.view.id, seq);
        await writeStep(trx, step, [...messages, ...(await webhookRows(trx, step.view.partnerId, options))]);
      });
    },

    async holdStep(step, messages, options) {
      const { view, records } = step;
      const seq = records[0]?.seq ?? view.version;
      await db.transaction().execute(async (trx) => {
        await dropHeld(trx, view.id, seq);
        // Held whatever their endpoint: whether a disabled one's are kept unsent is decided when the step is committed.
        const outgoing = [...messages, ...(await webhookRows(trx, view.partnerId, options))].map((m) => ({ ...m, status: 'held' as const, lastAnswer: null }));
        if (outgoing.length > 0) await trx.insertInto('outbox').values(outgoing.map(outboxToRow)).onConflict((oc) => oc.column('key').doNothing()).execute();
        await trx
          .insertInto('held_steps')
          .values({ process_id: view.id, seq, step: JSON.stringify({ view, records }), update_id: options.updateId, run_id: options.runId, held_at: now() })
          .execute();
      });
    },

    async releaseSteps(processId, seq) {
      return db.transaction().execute((trx) => releaseHeld(trx, processId, seq));
    },

    async staleHeldSteps(olderThanMs, limit) {
      const rows = await db
        .selectFrom('held_steps')
        .select(['process_id', 'seq', 'update_id', 'run_id', 'held_at'])
        .where('held_at', '<=', new Date(Date.now() - olderThanMs).toISOString())
        .orderBy('held_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ processId: r.process_id, seq: Number(r.seq), updateId: r.update_id, runId: r.run_id, heldAt: r.held_at }));
    },

    async dropHeldStep(processId, seq) {
      await db.transaction().execute((trx) => dropHeld(trx, processId, seq));
    },

    async listTasks({ role, kind, partnerId, waitingSinceBefore, overdueAt, claimedBy, limit, cursor }) {
      if (!Number.isInteger(limit) || limit < 1) throw new StoreInputError(`The limit must be a positive integer, not ${limit}.`);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await db
        .selectFrom('tasks')
        .innerJoin('processes', 'processes.id', 'tasks.process_id')
        .selectAll('processes')
        .select(['tasks.role', 'tasks.since', 'tasks.due_at as task_due_at', 'tasks.claimed_by', 'tasks.claimed_at', 'tasks.process_id'])
        .where('tasks.role', '=', role)
        .$if(kind !== undefined, (qb) => qb.where('processes.kind', '=', kind!))
        .$if(partnerId !== undefined, (qb) => qb.where('processes.partner_id', '=', partnerId!))
        .$if(waitingSinceBefore !== undefined, (qb) => qb.where('tasks.since', '<=', new Date(waitingSinceBefore!).toISOString()))
        .$if(overdueAt !== undefined, (qb) => qb.where('tasks.due_at', '<', new Date(overdueAt!).toISOString()))
        .$if(claimedBy === null, (qb) => qb.where('tasks.claimed_by', 'is', null))
        .$if(typeof claimedBy === 'string', (qb) => qb.where('tasks.claimed_by', '=', claimedBy as string))
        .$if(Array.isArray(claimedBy), (qb) => qb.where('tasks.claimed_by', 'in', claimedBy as string[]))
        .$if(after !== undefined, (qb) =>
          qb.where((eb) =>
            eb.or([eb('tasks.since', '>', after!.at), eb.and([eb('tasks.since', '=', after!.at), eb('tasks.process_id', '>', after!.id)])]),
          ),
        )
        .orderBy('tasks.since')
        .orderBy('tasks.process_id')
        .limit(limit + 1)
        .execute();
      return pageOf(
        rows,
        limit,
        (row) => ({
          task: taskFromRow({ process_id: row.process_id, role: row.role, since: row.since, due_at: row.task_due_at, claimed_by: row.claimed_by, claimed_at: row.claimed_at }),
          process: processFromRow(row),
        }),
        ({ task }) => ({ at: task.since, id: task.processId }),
      );
    },

    async getTask(processId, role) {
      const row = await db.selectFrom('tasks').selectAll().where('process_id', '=', processId).where('role', '=', role).executeTakeFirst();
      return row ? taskFromRow(row) : null;
    },

    async claimTask(processId, role, holder) {
      await db
        .updateTable('tasks')
        .set({ claimed_by: holder, claimed_at: now() })
        .where('process_id', '=', processId)
        .where('role', '=', role)
        .where('claimed_by', 'is', null)
        .execute();
      return this.getTask(processId, role);
    },

    async releaseTask(processId, role, holder) {
      await db
        .updateTable('tasks')
        .set({ claimed_by: null, claimed_at: null })
        .where('process_id', '=', processId)
        .where('role', '=', role)
        .$if(holder !== undefined, (qb) => qb.where('claimed_by', '=', holder!))
        .execute();
      return this.getTask(processId, role);
    },

    async listOutbox({ processId, seq, recipient }) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .$if(processId !== undefined, (qb) => qb.where('process_id', '=', processId!))
        .$if(seq !== undefined, (qb) => qb.where('seq', '=', seq!))
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

    async listPartnerNotifications({ partnerId, processId, limit, cursor }) {
      if (!Number.isInteger(limit) || limit < 1) throw new StoreInputError(`The limit must be a positive integer, not ${limit}.`);
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const rows = await db
        .selectFrom('outbox')
        .innerJoin('processes', 'processes.id', 'outbox.process_id')
        .selectAll('outbox')
        .where('processes.partner_id', '=', partnerId)
        .where('outbox.audience', '=', 'partner')
        .where('outbox.channel', 'in', ['email', 'sms'])
        .where('outbox.status', '!=', 'held')
        .$if(processId !== undefined, (qb) => qb.where('outbox.process_id', '=', processId!))
        .$if(after !== undefined, (qb) =>
          qb.where((eb) => eb.or([eb('outbox.created_at', '<', after!.at), eb.and([eb('outbox.created_at', '=', after!.at), eb('outbox.key', '<', after!.id)])])),
        )
        .orderBy('outbox.created_at', 'desc')
        .orderBy('outbox.key', 'desc')
        .limit(limit + 1)
        .execute();
      return pageOf(rows, limit, outboxFromRow, (m) => ({ at: m.createdAt, id: m.key }));
    },

    outbox,
    webhooks: createWebhookStore(db),
    customers: createCustomerStore(db),
    kindMigrations: createKindMigrationStore(db),
    repairs: createRepairStore(db),
    smsQuota: createSmsQuotaStore(db),

    async endTasks(processId) {
      await db.deleteFrom('tasks').where('process_id', '=', processId).execute();
    },
    staff: createStaffStore(db, dialect),
    health: createStoreHealth(db),
    close: () => db.destroy(),
  };
}
