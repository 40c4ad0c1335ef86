import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrationProvider } from '../store/migrations';
import { openStore, StoreInputError, type Store } from '../store/db';
import type { ProcessRow, TransitionRecord } from '../store/model';
import { writeFigures } from './support/figures';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-store-'));
// Ids unique per run, so the same tests can run against a PostgreSQL database that outlives them.
const run = Date.now().toString(36);

// PostgreSQL comes from test/support/postgresSetup.ts (TEST_DATABASE_URL or a throwaway cluster); without one the run says so loudly.
const postgresUrl = inject('postgresUrl');
const backends = [
  { name: 'SQLite', open: () => openStore({ dataDir }) },
  ...(postgresUrl ? [{ name: 'PostgreSQL', open: () => openStore({ databaseUrl: postgresUrl }) }] : []),
];

function view(id: string, over: Partial<ProcessRow> = {}): ProcessRow {
  return {
    id,
    kind: 'nre-milestones',
    kindVersion: 1,
    partnerId: `p1-${run}`,
    customerId: null,
    businessKey: null,
    state: 'idle',
    stateValue: 'idle',
    context: { milestone: 0 },
    label: { en: 'Not applied', 'zh-CN': '未申请' },
    done: false,
    version: 0,
    waitingFor: ['partner'],
    dueAt: null,
    startedBy: 'alice',
    createdAt: '2025-03-05T04:00:00.000Z',
    updatedAt: '2025-03-05T04:00:00.000Z',
    ...over,
  };
}

function record(processId: string, seq: number, over: Partial<TransitionRecord> = {}): TransitionRecord {
  return { processId, seq, at: '2025-03-05T04:00:00.000Z', actorId: 'alice', role: 'partner', event: 'APPLY', from: 'idle', to: 'review', ...over };
}

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
afterAll(() => writeFigures('postgres', { dialects: backends.map((b) => b.name), postgres: postgresUrl ? new URL(postgresUrl).host : 'NOT TESTED (no TEST_DATABASE_URL, no PostgreSQL binaries)' }));

describe.each(backends)('records store on $name', ({ open }) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  it('R70 stores times as UTC ISO strings, whatever offset they came with', async () => {
    const id = `r70-${run}`;
    await store.saveStep({
      view: view(id, { createdAt: '2025-03-05T12:00:00+08:00', updatedAt: '2025-03-05T12:30:00+08:00' }),
      records: [record(id, 1, { at: '2025-03-05T12:30:00+08:00' })],
      notifications: [],
    });
    const stored = await store.getProcess(id);
    expect(stored?.createdAt).toBe('2025-03-05T04:00:00.000Z');
    expect(stored?.updatedAt).toBe('2025-03-05T04:30:00.000Z');
    expect((await store.listRecords(id))[0].at).toBe('2025-03-05T04:30:00.000Z');
  });

  it('refuses a time it cannot read with a StoreInputError', async () => {
    await expect(store.openProcess(view(`bad-time-${run}`, { createdAt: 'yesterday' }))).rejects.toThrow(StoreInputError);
  });

  it('keeps a process view as written: JSON, labels, booleans', async () => {
    const id = `roundtrip-${run}`;
    const written = view(id, { businessKey: 'project-7', stateValue: { review: 'pending' }, done: true, waitingFor: [] });
    await store.openProcess(written);
    expect(await store.getProcess(id)).toEqual(written);
    expect(await store.getProcess(`absent-${run}`)).toBeNull();
  });

  it('openProcess inserts a new process and never overwrites one already there', async () => {
    const id = `open-${run}`;
    await store.openProcess(view(id, { state: 'review', version: 2 }));
    await store.openProcess(view(id));
    expect(await store.getProcess(id)).toMatchObject({ state: 'review', version: 2 });
  });

  it('R71 keeps each transition once, however often a step is written', async () => {
    const id = `r71-${run}`;
    const first = { view: view(id, { version: 1, state: 'review' }), records: [record(id, 1)], notifications: [] };
    await store.saveStep(first);
    await store.saveStep(first);
    await store.saveStep({
      view: view(id, { version: 2, state: 'accepted' }),
      records: [record(id, 2, { event: 'APPROVE', from: 'review', to: 'accepted', role: 'reviewer', actorId: 'bob', comment: 'fine' }), record(id, 1, { event: 'CHANGED' })],
      notifications: [],
    });
    const records = await store.listRecords(id);
    expect(records.map((r) => [r.seq, r.event])).toEqual([
      [1, 'APPLY'],
      [2, 'APPROVE'],
    ]);
    expect(records[1]).toEqual(record(id, 2, { event: 'APPROVE', from: 'review', to: 'accepted', role: 'reviewer', actorId: 'bob', comment: 'fine' }));
  });

  it('R71 saveStep never moves a view backwards: a late or duplicate write of an older version is ignored', async () => {
    const id = `backwards-${run}`;
    await store.saveStep({ view: view(id, { version: 3, state: 'accepted', done: true }), records: [record(id, 3)], notifications: [] });
    await store.saveStep({ view: view(id, { version: 2, state: 'review' }), records: [record(id, 2)], notifications: [] });
    await store.saveStep({ view: view(id, { version: 3, state: 'review' }), records: [], notifications: [] });
    expect(await store.getProcess(id)).toMatchObject({ version: 3, state: 'accepted', done: true });
    expect((await store.listRecords(id)).map((r) => r.seq)).toEqual([2, 3]);
  });

  it('lists processes newest first, page by page with an opaque cursor, over more rows than the limit', async () => {
    const partnerId = `paging-${run}`;
    // Two rows share a creation time: the id breaks the tie, so no row is skipped or repeated between pages.
    const times = ['01', '02', '03', '03', '04', '05', '06'];
    for (const [i, minute] of times.entries()) {
      await store.openProcess(view(`paging-${run}-${i}`, { partnerId, createdAt: `2025-01-01T00:${minute}:00.000Z` }));
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listProcesses({ partnerId, limit: 3, cursor });
      seen.push(...page.items.map((p) => p.id));
      cursor = page.next;
      pages += 1;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `paging-${run}-${i}`));
  });

  it('filters the list by kind, state and whose move it is', async () => {
    const partnerId = `filter-${run}`;
    const step = (id: string, over: Partial<ProcessRow>) => store.saveStep({ view: view(id, { partnerId, version: 1, ...over }), records: [], notifications: [] });
    await step(`filter-${run}-a`, { kind: 'delivery-evaluation', state: 'evidence', waitingFor: ['partner'] });
    await step(`filter-${run}-b`, { kind: 'delivery-evaluation', state: 'review', waitingFor: ['reviewer'] });
    await step(`filter-${run}-c`, { kind: 'nre-milestones', state: 'review', waitingFor: ['partner', 'reviewer'] });
    const ids = async (q: object) => (await store.listProcesses({ partnerId, limit: 10, ...q })).items.map((p) => p.id).sort();
    expect(await ids({ kind: 'delivery-evaluation' })).toEqual([`filter-${run}-a`, `filter-${run}-b`]);
    expect(await ids({ kind: 'delivery-evaluation', state: 'review' })).toEqual([`filter-${run}-b`]);
    expect(await ids({ waitingFor: 'reviewer' })).toEqual([`filter-${run}-b`, `filter-${run}-c`]);
    expect(await ids({ waitingFor: 'partner' })).toEqual([`filter-${run}-a`, `filter-${run}-c`]);
  });

  describe('inbox', () => {
    const partnerId = `inbox-${run}`;
    const at = (minute: number) => `2025-03-05T04:${String(minute).padStart(2, '0')}:00.000Z`;
    const step = (id: string, version: number, minute: number, over: Partial<ProcessRow>) =>
      store.saveStep({ view: view(id, { partnerId, version, updatedAt: at(minute), ...over }), records: [record(id, version, { at: at(minute) })], notifications: [] });
    const inbox = async (q: Partial<Parameters<Store['listTasks']>[0]> = {}) =>
      (await store.listTasks({ role: 'reviewer', partnerId, limit: 10, ...q })).items.map(({ task }) => task);

    it('lists what waits for a role, oldest first, with its due time, and forgets it when the role is done', async () => {
      await step(`inbox-${run}-late`, 1, 20, { waitingFor: ['reviewer'], dueAt: at(50) });
      await step(`inbox-${run}-early`, 1, 10, { waitingFor: ['reviewer'], dueAt: at(40) });
      await step(`inbox-${run}-partner`, 1, 5, { waitingFor: ['partner'] });
      expect((await inbox()).map((t) => [t.processId, t.since, t.dueAt])).toEqual([
        [`inbox-${run}-early`, at(10), at(40)],
        [`inbox-${run}-late`, at(20), at(50)],
      ]);
      expect((await inbox({ role: 'partner' })).map((t) => [t.processId, t.dueAt])).toEqual([[`inbox-${run}-partner`, null]]);
      expect((await inbox({ overdueAt: at(45) })).map((t) => t.processId)).toEqual([`inbox-${run}-early`]);
      expect((await inbox({ waitingSinceBefore: at(15) })).map((t) => t.processId)).toEqual([`inbox-${run}-early`]);

      await step(`inbox-${run}-early`, 2, 30, { waitingFor: ['partner'] });
      expect((await inbox()).map((t) => t.processId)).toEqual([`inbox-${run}-late`]);
    });

    it('keeps since and holder while the role keeps waiting; a late older step changes nothing', async () => {
      const id = `inbox-${run}-held`;
      await step(id, 1, 0, { waitingFor: ['reviewer'], dueAt: at(30) });
      expect(await store.claimTask(id, 'reviewer', 'rita')).toMatchObject({ claimedBy: 'rita' });
      // Someone else cannot take it while rita holds it.
      expect(await store.claimTask(id, 'reviewer', 'rob')).toMatchObject({ claimedBy: 'rita' });
      await step(id, 2, 5, { waitingFor: ['partner', 'reviewer'], dueAt: at(35) });
      expect(await store.getTask(id, 'reviewer')).toMatchObject({ since: at(0), dueAt: at(35), claimedBy: 'rita' });
      await step(id, 1, 1, { waitingFor: [] });
      expect(await store.getTask(id, 'reviewer')).not.toBeNull();
      expect(await store.releaseTask(id, 'reviewer', 'rob')).toMatchObject({ claimedBy: 'rita' });
      expect(await store.releaseTask(id, 'reviewer', 'rita')).toMatchObject({ claimedBy: null });
      expect((await inbox({ claimedBy: null })).map((t) => t.processId)).toContain(id);
      expect(await store.claimTask(`absent-${run}`, 'reviewer', 'rita')).toBeNull();
    });

    it('pages through the inbox with a cursor', async () => {
      const first = await store.listTasks({ role: 'reviewer', partnerId, limit: 1 });
      expect(first.next).toBeDefined();
      const second = await store.listTasks({ role: 'reviewer', partnerId, limit: 10, cursor: first.next });
      expect(second.items.map((i) => i.task.processId)).not.toContain(first.items[0].task.processId);
    });
  });

  it('refuses a malformed cursor or limit with a StoreInputError the API can answer with 400', async () => {
    await expect(store.listProcesses({ limit: 3, cursor: 'not a cursor' })).rejects.toThrow(StoreInputError);
    await expect(store.listProcesses({ limit: 3, cursor: Buffer.from('{"a":1}').toString('base64url') })).rejects.toThrow(/cursor is malformed/);
    await expect(store.listProcesses({ limit: 0 })).rejects.toThrow(StoreInputError);
  });

  it('ensurePartner creates a partner with defaults and fills name and email only where empty', async () => {
    const id = `ensure-${run}`;
    expect(await store.getPartner(id)).toBeNull();
    const created = await store.ensurePartner(id, { companyName: 'Acme', contactEmail: 'a@acme.test' });
    expect(created).toMatchObject({
      companyName: 'Acme',
      contact: { email: 'a@acme.test' },
      messageSettings: { reviewOutcome: { email: true, sms: true } },
      facts: { businessCertified: false },
      certifiedRoles: [],
    });
    await store.ensurePartner(id, { companyName: 'Other', contactEmail: 'b@other.test' });
    expect(await store.getPartner(id)).toMatchObject({ companyName: 'Acme', contact: { email: 'a@acme.test' } });
  });

  it('R6 updatePartner changes company, contact and message settings, merging what it does not name', async () => {
    const id = `r6-${run}`;
    await store.ensurePartner(id, { contactEmail: 'a@acme.test' });
    const updated = await store.updatePartner(id, {
      companyName: 'Acme Cloud',
      company: { address: 'Hangzhou' },
      contact: { phone: '+8613800000000' },
      messageSettings: { reviewOutcome: { sms: false }, reminder: { email: false } },
    });
    expect(updated).toMatchObject({
      companyName: 'Acme Cloud',
      company: { address: 'Hangzhou' },
      contact: { email: 'a@acme.test', phone: '+8613800000000' },
      messageSettings: {
        actionNeeded: { email: true, sms: false },
        reviewOutcome: { email: true, sms: false },
        reminder: { email: false, sms: false },
      },
    });
    expect(await store.getPartner(id)).toEqual(updated);
  });

  it('R3 R5 setPartnerFact records certification facts and roles, each role once', async () => {
    const id = `facts-${run}`;
    await store.setPartnerFact(id, { fact: 'businessCertified', value: true });
    await store.setPartnerFact(id, { fact: 'roleCertified', role: 'consulting-integration' });
    await store.setPartnerFact(id, { fact: 'roleCertified', role: 'consulting-integration' });
    expect(await store.getPartner(id)).toMatchObject({
      facts: { realNameVerified: false, emailBound: false, businessCertified: true },
      certifiedRoles: ['consulting-integration'],
    });
  });

  it('lists the open processes of one partner only', async () => {
    const partnerId = `openlist-${run}`;
    await store.openProcess(view(`openlist-${run}-open`, { partnerId }));
    await store.openProcess(view(`openlist-${run}-done`, { partnerId, done: true }));
    await store.openProcess(view(`openlist-${run}-other`, { partnerId: `someone-else-${run}` }));
    expect((await store.listOpenProcesses(partnerId)).map((p) => p.id)).toEqual([`openlist-${run}-open`]);
  });

  it('R74 R71 queues a step\'s messages with its record, once: writing the step again queues nothing, to nobody new', async () => {
    const id = `step-outbox-${run}`;
    const message = (recipient: string) => ({
      key: `${id}/1/email/${recipient}`, processId: id, seq: 1, channel: 'email' as const, recipient, audience: 'partner' as const,
      subject: 'S', body: 'B', status: 'pending' as const, createdAt: '2025-03-05T04:00:00.000Z', sentAt: null,
    });
    const step = { view: view(id, { version: 1, state: 'review' }), records: [record(id, 1)], notifications: [] };
    await store.saveStep(step, [message('old@acme.test')]);
    // A retried activity, composed after the partner changed its address.
    await store.saveStep(step, [message('new@acme.test')]);
    expect((await store.listOutbox({ processId: id, seq: 1 })).map((m) => m.recipient)).toEqual(['old@acme.test']);
    expect(await store.listRecords(id)).toHaveLength(1);
  });

  it('R74 keeps an outbox message as first queued; a second queueing of its key changes nothing', async () => {
    const key = `outbox-${run}/1/email/a@acme.test`;
    const message = {
      key, processId: `outbox-${run}`, seq: 1, channel: 'email' as const, recipient: 'a@acme.test', audience: 'partner' as const,
      subject: 'S', body: 'B', status: 'pending' as const, createdAt: '2025-03-05T04:00:00.000Z', sentAt: null,
    };
    await store.insertOutbox([message]);
    await store.insertOutbox([{ ...message, subject: 'changed' }]);
    expect(await store.listOutbox({ processId: message.processId })).toEqual([
      { ...message, partnerId: null, orderKey: 'email:a@acme.test', position: message.createdAt, endpointId: null, deliveryId: null, sealedBody: null,
        attempts: 0, nextAttemptAt: null, claimedUntil: null, lastAttemptAt: null, lastAnswer: null, failingSince: null },
    ]);
    // One step's messages, without reading the rest of the process's.
    await store.insertOutbox([{ ...message, key: `${key}/2`, seq: 2 }]);
    expect((await store.listOutbox({ processId: message.processId, seq: 2 })).map((m) => m.key)).toEqual([`${key}/2`]);
  });
});

describe.runIf(postgresUrl)('PostgreSQL schema', () => {
  it('applies every migration on PostgreSQL, once, and opening again applies none', async () => {
    const expected = Object.keys(await migrationProvider.getMigrations()).sort();
    expect(expected).toEqual(expect.arrayContaining(['001_initial', '002_record_update_ids', '003_inbox', '004_process_customer', '006_customers', '007_kind_migrations', '008_outbox_dispatch', '009_webhook_endpoints', '010_held_steps', '011_customers_per_partner', '012_repairs', '013_sms_quota', '014_staff_and_keys']));
    await (await openStore({ databaseUrl: postgresUrl })).close();
    await (await openStore({ databaseUrl: postgresUrl })).close();
    const pg = new Client({ connectionString: postgresUrl });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ name: string }>('select name from kysely_migration order by name');
      expect(rows.map((r) => r.name)).toEqual(expected);
      const { rows: tables } = await pg.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public'");
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['processes', 'records', 'customers']));
    } finally {
      await pg.end();
    }
  });
});

describe('upgrading in place', () => {
  it('R65 R66 the customers of a store made before customer ids were per partner keep every row; then two partners may each have the same id', async () => {
    const dir = fs.mkdtempSync(path.join(dataDir, 'upgrade-'));
    const file = path.join(dir, 'records.sqlite');
    // The records store as the release before it left it: migrated up to 006, with a customer and its manager.
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
    expect((await new Migrator({ db: old, provider: migrationProvider }).migrateTo('006_customers')).error).toBeUndefined();
    await old
      .insertInto('customers')
      .values({ id: 'zhao', partner_id: 'acme', name: 'Zhao Trading', cloud_account_id: 'hwc_1', email: null, phone: '+8613800000000', phone_verified: 1, joined_via: 'created', creation_process_id: 'customer-creation:acme:zhao', associated_at: '2026-01-01T00:00:00.000Z' })
      .execute();
    await old.insertInto('customer_managers').values({ id: 'm1', customer_id: 'zhao', partner_id: 'acme', manager_id: 'mei', via: 'assignment', since: '2026-01-02T00:00:00.000Z', until: null, assigned_by: 'alice', assigned_role: 'partner', note: null, ended_by: null }).execute();
    await old.destroy();

    const store = await openStore({ dataDir: dir });
    try {
      expect(await store.customers.getCustomer('acme', 'zhao')).toMatchObject({ id: 'zhao', partnerId: 'acme', name: 'Zhao Trading', cloudAccountId: 'hwc_1', phoneVerified: true });
      expect((await store.customers.managerPeriods({ customer: { partnerId: 'acme', id: 'zhao' } })).map((p) => p.managerId)).toEqual(['mei']);
      const bobs = await store.customers.registerCreated({ id: 'zhao', partnerId: 'globex', name: 'Bob’s Zhao', cloudAccountId: 'hwc_2', email: null, phone: null, creationProcessId: 'customer-creation:globex:zhao', associatedAt: '2026-02-01T00:00:00.000Z' });
      expect(bobs.ok).toBe(true);
      expect((await store.customers.findCustomers('zhao')).map((c) => c.partnerId)).toEqual(['acme', 'globex']);
      expect((await store.customers.getCustomer('acme', 'zhao'))?.name).toBe('Zhao Trading');
    } finally {
      await store.close();
    }
  });
});

describe('SQLite file', () => {
  it('lives at dataDir/records.sqlite in WAL mode, and opening it again keeps its data', async () => {
    const dir = path.join(dataDir, 'nested', 'folder');
    const store = await openStore({ dataDir: dir });
    await store.ensurePartner('p', { companyName: 'Acme' });
    await store.close();
    const reopened = await openStore({ dataDir: dir });
    expect((await reopened.getPartner('p'))?.companyName).toBe('Acme');
    await reopened.close();
    const file = new SQLite(path.join(dir, 'records.sqlite'), { readonly: true });
    expect(file.pragma('journal_mode', { simple: true })).toBe('wal');
    file.close();
  });
});
