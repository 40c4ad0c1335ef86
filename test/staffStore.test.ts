import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DelegationConflict, openStore, type Delegation, type ManagedKey, type Store } from '../store/db';
import { migrationProvider } from '../store/migrations';

/** The staff part of the records store on both dialects: people, delegations, managed keys and their audit. */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-staff-store-'));
const run = Date.now().toString(36);
const postgresUrl = inject('postgresUrl');
const backends = [
  { name: 'SQLite', open: () => openStore({ dataDir }) },
  ...(postgresUrl ? [{ name: 'PostgreSQL', open: () => openStore({ databaseUrl: postgresUrl }) }] : []),
];
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const delegation = (over: Partial<Delegation>): Delegation => ({
  id: `d-${run}-${Math.random().toString(36).slice(2)}`,
  reviewerId: `li-${run}`,
  delegateId: `wang-${run}`,
  from: '2026-12-01T00:00:00.000Z',
  until: '2026-12-08T00:00:00.000Z',
  createdBy: 'ops',
  createdAt: '2026-11-30T00:00:00.000Z',
  cancelledAt: null,
  cancelledBy: null,
  ...over,
});

const key = (over: Partial<ManagedKey>): ManagedKey => ({
  keyId: `${run}${Math.random().toString(16).slice(2, 10)}`.slice(0, 16),
  secretHash: 'ab'.repeat(32),
  id: `app@acme-${run}`,
  role: 'partner',
  partnerId: `acme-${run}`,
  customerId: null,
  name: null,
  email: null,
  createdAt: '2026-11-30T00:00:00.000Z',
  createdBy: 'ops',
  expiresAt: null,
  revokedAt: null,
  revokedBy: null,
  lastUsedAt: null,
  ...over,
});

describe.each(backends)('staff store on $name', ({ open }) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  it('notes people, keeping the name and email a later sign-in leaves out', async () => {
    const id = `lu-${run}`;
    await store.staff.notePerson({ id, role: 'reviewer', name: 'Lu', email: 'lu@vendor.example', source: 'managed-key', seenAt: '2026-11-30T00:00:00Z' });
    await store.staff.notePerson({ id, role: 'reviewer', name: null, email: null, source: 'oidc', seenAt: '2026-12-01T00:00:00+08:00' });
    expect(await store.staff.getPerson(id, 'reviewer')).toEqual({ id, role: 'reviewer', name: 'Lu', email: 'lu@vendor.example', source: 'oidc', seenAt: '2026-11-30T16:00:00.000Z' });
    expect(await store.staff.getPerson(id, 'ops')).toBeNull();
  });

  it('R72 keeps one delegation per reviewer at a time, no chains, the same one again being the same', async () => {
    const first = delegation({});
    expect(await store.staff.addDelegation(first)).toEqual({ delegation: first, created: true });
    expect((await store.staff.addDelegation({ ...first, id: 'another' })).created).toBe(false);
    await expect(store.staff.addDelegation(delegation({ delegateId: `zhou-${run}`, from: '2026-12-07T00:00:00Z', until: '2026-12-09T00:00:00Z' }))).rejects.toMatchObject({
      code: 'overlapping_delegation',
    });
    // wang is standing in, so wang may go away later, but nobody may hand work to li while li is away.
    await expect(store.staff.addDelegation(delegation({ reviewerId: `zhou-${run}`, delegateId: `li-${run}` }))).rejects.toBeInstanceOf(DelegationConflict);
    // Back to back is no overlap.
    expect((await store.staff.addDelegation(delegation({ from: '2026-12-08T00:00:00Z', until: '2026-12-09T00:00:00Z', delegateId: `zhou-${run}` }))).created).toBe(true);

    expect(await store.staff.delegateOf(`li-${run}`, '2026-12-03T00:00:00Z')).toBe(`wang-${run}`);
    expect(await store.staff.delegateOf(`li-${run}`, '2026-12-08T00:00:00Z')).toBe(`zhou-${run}`);
    expect(await store.staff.delegateOf(`li-${run}`, '2026-12-10T00:00:00Z')).toBeNull();
    expect(await store.staff.standingInFor(`wang-${run}`, '2026-12-03T00:00:00Z')).toEqual([`li-${run}`]);
    expect((await store.staff.listDelegations(`li-${run}`, '2026-12-05T00:00:00Z')).map((d) => d.delegateId)).toEqual([`wang-${run}`, `zhou-${run}`]);

    const cancelled = await store.staff.cancelDelegation(first.id, 'ops', '2026-12-02T00:00:00Z');
    expect(cancelled).toMatchObject({ cancelledBy: 'ops', cancelledAt: '2026-12-02T00:00:00.000Z' });
    expect(await store.staff.delegateOf(`li-${run}`, '2026-12-03T00:00:00Z')).toBeNull();
  });

  it('R72 two overlapping delegations of one reviewer, asked at once: exactly one is stored', async () => {
    const reviewerId = `race-${run}`;
    const results = await Promise.allSettled([
      store.staff.addDelegation(delegation({ reviewerId, delegateId: `a-${run}` })),
      store.staff.addDelegation(delegation({ reviewerId, delegateId: `b-${run}` })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await store.staff.listDelegations(reviewerId, '2026-01-01T00:00:00Z')).toHaveLength(1);
  });

  it('keeps managed keys with their audit: created and revoked once, newest first, per partner; use noted at most once a minute', async () => {
    const partnerId = `acme-${run}`;
    const a = key({ createdAt: '2026-11-30T00:00:00.000Z' });
    const b = key({ createdAt: '2026-11-30T01:00:00.000Z' });
    const other = key({ partnerId: `globex-${run}`, id: `app@globex-${run}` });
    for (const k of [a, b, other]) await store.staff.createKey(k, { id: 'ops', role: 'ops' });
    expect(await store.staff.getKey(a.keyId)).toEqual(a);

    const first = await store.staff.listKeys({ partnerId, limit: 1 });
    expect(first.items.map((k) => k.keyId)).toEqual([b.keyId]);
    expect((await store.staff.listKeys({ partnerId, limit: 1, cursor: first.next })).items.map((k) => k.keyId)).toEqual([a.keyId]);

    const revoked = await store.staff.revokeKey(a.keyId, { id: 'alice', role: 'partner' }, '2026-12-01T00:00:00Z');
    expect(revoked).toMatchObject({ revokedAt: '2026-12-01T00:00:00.000Z', revokedBy: 'alice' });
    await store.staff.revokeKey(a.keyId, { id: 'ops', role: 'ops' }, '2026-12-02T00:00:00Z');
    expect((await store.staff.getKey(a.keyId))!.revokedBy).toBe('alice');
    const events = (await store.staff.listKeyEvents({ partnerId, limit: 10 })).items;
    expect(events.map((e) => [e.event, e.keyId, e.actorId])).toEqual([
      ['revoked', a.keyId, 'alice'],
      ['created', b.keyId, 'ops'],
      ['created', a.keyId, 'ops'],
    ]);

    await store.staff.touchKey(b.keyId, '2026-12-01T00:00:00.000Z');
    await store.staff.touchKey(b.keyId, '2026-12-01T00:00:30.000Z');
    expect((await store.staff.getKey(b.keyId))!.lastUsedAt).toBe('2026-12-01T00:00:00.000Z');
    await store.staff.touchKey(b.keyId, '2026-12-01T00:01:01.000Z');
    expect((await store.staff.getKey(b.keyId))!.lastUsedAt).toBe('2026-12-01T00:01:01.000Z');
  });

  it('R72 lists a key\'s expiry in its audit once it has passed (not when revoked first), and keeps to the roles asked for, page by page', async () => {
    const partnerId = `expiring-${run}`;
    const expired = key({ partnerId, createdAt: '2026-11-01T00:00:00.000Z', expiresAt: '2026-11-02T00:00:00.000Z' });
    const revokedFirst = key({ partnerId, createdAt: '2026-11-01T01:00:00.000Z', expiresAt: '2026-11-03T00:00:00.000Z' });
    const later = key({ partnerId, createdAt: '2026-11-01T02:00:00.000Z', expiresAt: '2999-01-01T00:00:00.000Z' });
    const customer = key({ partnerId, role: 'customer', customerId: `c-${run}`, id: `c-${run}`, createdAt: '2026-11-01T03:00:00.000Z', expiresAt: '2026-11-04T00:00:00.000Z' });
    for (const k of [expired, revokedFirst, later, customer]) await store.staff.createKey(k, { id: 'ops', role: 'ops' });
    await store.staff.revokeKey(revokedFirst.keyId, { id: 'ops', role: 'ops' }, '2026-11-02T12:00:00.000Z');

    const all = (await store.staff.listKeyEvents({ partnerId, limit: 20 })).items;
    expect(all.map((e) => [e.event, e.keyId, e.at])).toEqual([
      ['expired', customer.keyId, '2026-11-04T00:00:00.000Z'],
      ['revoked', revokedFirst.keyId, '2026-11-02T12:00:00.000Z'],
      ['expired', expired.keyId, '2026-11-02T00:00:00.000Z'],
      ['created', customer.keyId, '2026-11-01T03:00:00.000Z'],
      ['created', later.keyId, '2026-11-01T02:00:00.000Z'],
      ['created', revokedFirst.keyId, '2026-11-01T01:00:00.000Z'],
      ['created', expired.keyId, '2026-11-01T00:00:00.000Z'],
    ]);
    expect(all[0]).toMatchObject({ actorId: 'system', actorRole: 'system', identityId: customer.id, role: 'customer', partnerId });

    // A partner's view: its people's and apps' keys only, a page at a time across recorded events and expiries.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.staff.listKeyEvents({ partnerId, roles: ['partner', 'manager'], limit: 2, cursor });
      seen.push(...page.items.map((e) => `${e.event}:${e.keyId}`));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual([`revoked:${revokedFirst.keyId}`, `expired:${expired.keyId}`, `created:${later.keyId}`, `created:${revokedFirst.keyId}`, `created:${expired.keyId}`]);
    expect((await store.staff.listKeyEvents({ keyId: expired.keyId, limit: 5 })).items.map((e) => e.event)).toEqual(['expired', 'created']);
    expect((await store.staff.listKeys({ partnerId, roles: ['partner', 'manager'], limit: 10 })).items.map((k) => k.keyId)).toEqual([later.keyId, revokedFirst.keyId, expired.keyId]);
  });

  it('R71 records who a delegate decided for, and lists reviewers’ decisions in a period with their processes', async () => {
    const id = `decided-${run}`;
    const row = {
      id, kind: 'business-certification', kindVersion: 1, partnerId: `acme-${run}`, customerId: null, businessKey: null, state: 'certified',
      stateValue: 'certified', context: { settings: { review: { due: { workingDays: 3 } } } }, label: { en: 'Certified', 'zh-CN': '已认证' }, done: true,
      version: 1, waitingFor: [], dueAt: null, startedBy: 'alice', createdAt: '2026-11-30T00:00:00.000Z', updatedAt: '2026-11-30T00:00:00.000Z',
    };
    const records = [
      { processId: id, seq: 0, at: '2026-11-30T00:00:00.000Z', actorId: 'alice', role: 'partner' as const, event: 'SUBMIT', from: null, to: 'underReview' },
      { processId: id, seq: 1, at: '2026-11-30T02:00:00.000Z', actorId: 'wang', onBehalfOf: 'li', role: 'reviewer' as const, event: 'APPROVE', from: 'underReview', to: 'certified' },
    ];
    await store.saveStep({ view: row, records, notifications: [] });
    expect((await store.listRecords(id))[1]).toEqual(records[1]);
    const decisions = await store.staff.listDecisions({ from: '2026-11-30T01:00:00Z', to: '2026-11-30T03:00:00Z', kind: 'business-certification' });
    const mine = decisions.filter((d) => d.record.processId === id);
    expect(mine).toEqual([{ record: records[1], kind: 'business-certification', kindVersion: 1, context: row.context }]);
    expect((await store.staff.recordsOf([id, id])).map((r) => r.seq)).toEqual([0, 1]);
  });
});

describe('upgrading in place', () => {
  it('R71 a records store made by the release before opens with its records intact and its new tables empty', async () => {
    const dir = fs.mkdtempSync(path.join(dataDir, 'upgrade-'));
    // The store as the previous release left it: every migration but this release's.
    const all = await migrationProvider.getMigrations();
    const earlier = Object.fromEntries(Object.entries(all).filter(([name]) => name < '011')) as Record<string, Migration>;
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(path.join(dir, 'records.sqlite')) }) });
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => earlier } }).migrateToLatest();
    expect(error).toBeUndefined();
    await db
      .insertInto('records')
      .values({ process_id: 'old', seq: 0, at: '2026-01-01T00:00:00.000Z', actor_id: 'li', role: 'reviewer', event: 'APPROVE', from_state: 'a', to_state: 'b', comment: null, reason: null, payload: null, update_id: null })
      .execute();
    await db.destroy();

    const store = await openStore({ dataDir: dir });
    try {
      expect(await store.listRecords('old')).toEqual([{ processId: 'old', seq: 0, at: '2026-01-01T00:00:00.000Z', actorId: 'li', role: 'reviewer', event: 'APPROVE', from: 'a', to: 'b' }]);
      expect(await store.staff.listKeys({ limit: 10 })).toEqual({ items: [] });
    } finally {
      await store.close();
    }
  });
});
