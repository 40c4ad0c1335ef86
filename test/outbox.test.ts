import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore, type OutboxEntry, type Store } from '../store/db';
import { migrationProvider } from '../store/migrations';
import type { ProcessRow, Step } from '../store/model';

/**
 * The outbox as the dispatcher works it (store/outbox.ts), on both dialects, each on a store of its own:
 * a claim is claimed anywhere in the outbox, so no other test's messages may be there.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-outbox-'));
const postgresUrl = inject('postgresUrl');
const database = `partnerflow_outbox_${Date.now().toString(36)}`;

async function admin(statement: string) {
  const pg = new Client({ connectionString: postgresUrl });
  await pg.connect();
  try {
    await pg.query(statement);
  } finally {
    await pg.end();
  }
}

/**
 * A database of its own, created beside the one TEST_DATABASE_URL names (its role needs CREATEDB, as a
 * throwaway cluster's superuser has): claims are taken anywhere in the outbox, and store.test.ts shares that one.
 */
async function postgresStore(): Promise<Store> {
  await admin(`create database ${database}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  return openStore({ databaseUrl: url.toString() });
}

const backends = [
  { name: 'SQLite', open: () => openStore({ dataDir }) },
  ...(postgresUrl ? [{ name: 'PostgreSQL', open: postgresStore }] : []),
];

afterAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (postgresUrl) await admin(`drop database if exists ${database}`);
});

const at = (ms: number) => new Date(Date.parse('2025-03-05T04:00:00.000Z') + ms).toISOString();

function mail(processId: string, seq: number, recipient: string, over: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    key: `${processId}/${seq}/email/${recipient}`, processId, seq, channel: 'email', recipient, audience: 'partner',
    subject: `step ${seq}`, body: 'B', status: 'pending', createdAt: at(seq * 1000), sentAt: null, ...over,
  };
}

function step(processId: string, seq: number, event = 'APPLY'): Step {
  const view: ProcessRow = {
    id: processId, kind: 'nre-milestones', kindVersion: 1, partnerId: 'p', customerId: null, businessKey: null, state: 'review',
    stateValue: 'review', context: {}, label: { en: 'Review', 'zh-CN': '审核' }, done: false, version: seq, waitingFor: ['reviewer'],
    dueAt: null, startedBy: 'alice', createdAt: at(0), updatedAt: at(seq * 1000),
  };
  return { view, records: [{ processId, seq, at: at(seq * 1000), actorId: 'alice', role: 'partner', event, from: 'idle', to: 'review' }], notifications: [] };
}

describe.each(backends)('the outbox on $name', ({ open }) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  /** Sends everything an earlier test left (held, claimed, waiting to retry), so that each test starts with an empty outbox. */
  async function settle() {
    for (const m of await store.listOutbox({})) if (m.status === 'held') await store.releaseSteps(m.processId, m.seq);
    const later = () => store.outbox.claim({ leaseMs: 60_000, limit: 1000, perGroup: 1000, now: new Date(Date.now() + 24 * 3600_000) });
    for (let claim = await later(); claim.messages.length; claim = await later()) for (const m of claim.messages) await store.outbox.markSent(m.key, null);
  }

  it('works on a records store of its own', async () => {
    expect(await store.listOutbox({})).toEqual([]);
  });

  it('R74 one of two senders gets a message; the other gets it only when the claim expires, the same message with its attempts counted', async () => {
    await settle();
    await store.insertOutbox([mail('claim', 1, 'a@x.test')]);
    const [first, second] = await Promise.all([store.outbox.claim({ leaseMs: 200, limit: 10 }), store.outbox.claim({ leaseMs: 200, limit: 10 })]);
    expect([first.messages.length, second.messages.length].sort()).toEqual([0, 1]);
    expect((await store.outbox.claim({ leaseMs: 200, limit: 10 })).messages).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const again = await store.outbox.claim({ leaseMs: 60_000, limit: 10 });
    expect(again.messages).toMatchObject([{ key: 'claim/1/email/a@x.test', status: 'sending', attempts: 2 }]);
    await store.outbox.markSent('claim/1/email/a@x.test', '250 OK');
    expect(await store.listOutbox({ processId: 'claim' })).toMatchObject([{ status: 'sent', lastAnswer: '250 OK', claimedUntil: null }]);
  });

  it('R74 a claim renewed by its living sender does not expire; a sender whose claim was taken over cannot mark a failure over it', async () => {
    await settle();
    await store.insertOutbox([mail('renew', 1, 'a@x.test')]);
    const claim = await store.outbox.claim({ leaseMs: 200, limit: 10 });
    await store.outbox.renew(claim.token, ['renew/1/email/a@x.test'], new Date(Date.now() + 60_000));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await store.outbox.claim({ leaseMs: 200, limit: 10 })).messages).toEqual([]);
    await store.outbox.retryLater('renew/1/email/a@x.test', 'someone-else', { answer: 'x', retryAt: new Date(Date.now() + 60_000), failingSince: at(0) });
    expect(await store.listOutbox({ processId: 'renew' })).toMatchObject([{ status: 'sending' }]);
    await store.outbox.retryLater('renew/1/email/a@x.test', claim.token, { answer: '451 try later', retryAt: new Date(Date.now() - 1), failingSince: at(0) });
    expect(await store.listOutbox({ processId: 'renew' })).toMatchObject([{ status: 'pending', lastAnswer: '451 try later', failingSince: at(0) }]);
  });

  it('R74 one recipient\'s messages are claimed in the order they were queued, and a failing one holds back the later ones', async () => {
    await settle();
    // Queued out of order across two processes; to another recipient as well.
    await store.insertOutbox([mail('order-b', 3, 'a@x.test'), mail('order-a', 1, 'a@x.test'), mail('order-a', 2, 'a@x.test'), mail('order-a', 2, 'b@x.test')]);
    const first = await store.outbox.claim({ leaseMs: 60_000, limit: 10, perGroup: 2 });
    expect(first.messages.map((m) => m.key)).toEqual(['order-a/1/email/a@x.test', 'order-a/2/email/a@x.test', 'order-a/2/email/b@x.test']);
    // While they are claimed nothing behind them is.
    expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages).toEqual([]);
    await store.outbox.markSent('order-a/1/email/a@x.test', null);
    await store.outbox.retryLater('order-a/2/email/a@x.test', first.token, { answer: '451', retryAt: new Date(Date.now() + 60_000), failingSince: at(0) });
    await store.outbox.markSent('order-a/2/email/b@x.test', null);
    expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages).toEqual([]);
    await store.outbox.retryLater('order-a/2/email/a@x.test', 'nobody', { answer: '', retryAt: new Date(), failingSince: at(0) });
    // order-b/3 is due itself, but waits behind order-a/2.
    expect(await store.outbox.backlog()).toMatchObject({ scheduled: 1, due: 1, sending: 0 });
  });

  it('R74 the per-step send takes only its step\'s messages, and none that an earlier message of the same recipient precedes', async () => {
    await settle();
    await store.insertOutbox([mail('only-a', 1, 'c@x.test'), mail('only-a', 2, 'c@x.test'), mail('only-a', 2, 'd@x.test')]);
    const claim = await store.outbox.claim({ leaseMs: 60_000, limit: 10, only: { processId: 'only-a', seq: 2 } });
    expect(claim.messages.map((m) => m.key)).toEqual(['only-a/2/email/d@x.test']);
  });

  it('R74 R71 a held step shows and sends nothing until released; holding it again replaces it; recording a later step releases it first', async () => {
    await settle();
    await store.holdStep(step('held-p', 1, 'APPLY'), [mail('held-p', 1, 'first@x.test')], { updateId: 'u1', runId: 'r1' });
    expect(await store.listRecords('held-p')).toEqual([]);
    expect(await store.getProcess('held-p')).toBeNull();
    expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages).toEqual([]);
    expect(await store.outbox.backlog()).toMatchObject({ held: 1, due: 0 });
    // The engine never committed that attempt; the next one, at the same seq, was another event.
    await store.holdStep(step('held-p', 1, 'WITHDRAW'), [mail('held-p', 1, 'second@x.test')], { updateId: 'u2', runId: 'r1' });
    expect((await store.listOutbox({ processId: 'held-p' })).map((m) => [m.recipient, m.status])).toEqual([['second@x.test', 'held']]);
    expect(await store.staleHeldSteps(0, 10)).toEqual([expect.objectContaining({ processId: 'held-p', seq: 1, updateId: 'u2', runId: 'r1' })]);
    expect(await store.releaseSteps('held-p', 1)).toBe(1);
    expect((await store.listRecords('held-p')).map((r) => r.event)).toEqual(['WITHDRAW']);
    expect((await store.getProcess('held-p'))?.version).toBe(1);
    expect(await store.staleHeldSteps(0, 10)).toEqual([]);
    expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages.map((m) => m.recipient)).toEqual(['second@x.test']);
    // Released and being sent: the same step recorded again (a retried activity) writes no second copy of it.
    await store.saveStep(step('held-p', 1, 'WITHDRAW'), [mail('held-p', 1, 'second@x.test')]);
    expect((await store.listOutbox({ processId: 'held-p' })).map((m) => m.status)).toEqual(['sending']);
    // A step recorded as committed proves the held one before it committed too: it is written first, in order.
    await store.holdStep(step('held-p', 2, 'APPLY'), [], { updateId: 'u3', runId: 'r1' });
    await store.saveStep(step('held-p', 3, 'reviewReminder'), []);
    expect((await store.listRecords('held-p')).map((r) => r.seq)).toEqual([1, 2, 3]);
    // One the engine never committed is dropped, with its messages.
    await store.holdStep(step('held-p', 4, 'APPROVE'), [mail('held-p', 4, 'third@x.test')], { updateId: 'u4', runId: 'r1' });
    await store.dropHeldStep('held-p', 4);
    expect(await store.staleHeldSteps(0, 10)).toEqual([]);
    expect((await store.listOutbox({ processId: 'held-p', seq: 4 }))).toEqual([]);
    expect((await store.getProcess('held-p'))?.version).toBe(3);
  });

  it('R74 a held webhook delivery holds back the later steps of its process at that endpoint; held mail holds up no other process\'s mail', async () => {
    await settle();
    const hook = (seq: number, status: OutboxEntry['status']): OutboxEntry => ({
      key: `webhook/ep/hook-p/${seq}`, processId: 'hook-p', seq, channel: 'webhook', recipient: 'ep', audience: 'partner', subject: 'process.step',
      body: '{}', status, createdAt: at(seq * 1000), sentAt: null, orderKey: 'webhook:ep:hook-p', position: String(seq).padStart(12, '0'), endpointId: 'ep', deliveryId: `msg_${seq}`,
    });
    await store.insertOutbox([hook(1, 'held'), hook(2, 'pending'), mail('mail-held', 1, 'e@x.test', { status: 'held' }), mail('mail-other', 2, 'e@x.test')]);
    expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages.map((m) => m.key)).toEqual(['mail-other/2/email/e@x.test']);
    await store.releaseSteps('hook-p', 1);
    expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages.map((m) => m.key)).toEqual(['webhook/ep/hook-p/1', 'webhook/ep/hook-p/2']);
  });

  it('R74 a message an older release left claimed (no expiry) waits a grace period, then goes again', async () => {
    await settle();
    await store.insertOutbox([mail('legacy', 1, 'f@x.test', { status: 'sending' })]);
    expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages).toEqual([]);
    expect(await store.outbox.adoptLegacyClaims(new Date(Date.now() + 60_000))).toBe(1);
    expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages).toEqual([]);
    expect(await store.outbox.backlog()).toMatchObject({ sending: 1 });
    // Adopted once: its grace period is not pushed back by the next drain.
    expect(await store.outbox.adoptLegacyClaims(new Date(Date.now() + 120_000))).toBe(0);
  });
});

describe('an outbox made by the release before the dispatcher', () => {
  it('R74 upgrades in place: every row gets its order, a crash\'s old claim is not resent weeks later, a recent one is', async () => {
    const dir = fs.mkdtempSync(path.join(dataDir, 'upgrade-'));
    const sqlite = new SQLite(path.join(dir, 'records.sqlite'));
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    const { error } = await new Migrator({ db: old, provider: migrationProvider }).migrateTo('007_kind_migrations');
    expect(error).toBeUndefined();
    const row = (key: string, status: string, createdAt: string) => ({
      key, process_id: key.split('/')[0], seq: 1, channel: 'email', recipient: 'g@x.test', audience: 'partner', subject: 's', body: 'b', status, created_at: createdAt, sent_at: null,
    });
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    await old.insertInto('outbox').values([row('sent/1', 'sent', at(0)), row('stale/1', 'sending', at(0)), row('recent/1', 'sending', ago(60_000)), row('due/1', 'failed', ago(30_000))]).execute();
    await old.destroy();

    const store = await openStore({ dataDir: dir });
    try {
      const rows = Object.fromEntries((await store.listOutbox({})).map((m) => [m.key, m]));
      expect(rows['sent/1']).toMatchObject({ status: 'sent', orderKey: 'email:g@x.test', position: at(0), attempts: 0 });
      expect(rows['stale/1']).toMatchObject({ status: 'given_up', lastAnswer: expect.stringMatching(/before this release/) });
      expect(rows['recent/1']).toMatchObject({ status: 'sending', claimedUntil: null });
      // The recent claim goes again after the grace the dispatcher gives it; the failed send after it waits its turn.
      expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10 })).messages.map((m) => m.key)).toEqual([]);
      await store.outbox.adoptLegacyClaims(new Date(Date.now() - 1));
      expect((await store.outbox.claim({ leaseMs: 60_000, limit: 10, perGroup: 5 })).messages.map((m) => m.key)).toEqual(['recent/1', 'due/1']);
    } finally {
      await store.close();
    }
  });
});
