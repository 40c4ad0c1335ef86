import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities, type Activities } from '../activities';
import { createNotifier, messageIdFor } from '../activities/notifier';
import type { Announcement } from '../machines/types';
import { openStore, type Store } from '../store/db';
import type { ProcessRow, Step } from '../store/model';
import { createSealer } from '../worker/sealer';
import { startMailbox } from './support/mailbox';

const log = pino({ level: 'silent' });
const sealer = createSealer([randomBytes(32)]);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-notifications-'));

// A real SMTP server (test/support/mailbox.ts); a test can make one delivery fail.
let refuseNextRecipient = false;
const refuseOnce = () => {
  const refuse = refuseNextRecipient;
  refuseNextRecipient = false;
  return refuse;
};
let mailbox: Awaited<ReturnType<typeof startMailbox>>;

// A real HTTP endpoint standing in for the SMS provider.
const texts: Array<{ to: string; text: string; idempotencyKey: string }> = [];
const smsProvider = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    texts.push(JSON.parse(body));
    response.writeHead(202).end();
  });
});

let store: Store;
let activities: Activities;
const signals: Array<{ processId: string; payload: Announcement }> = [];
const endedProcesses = new Set<string>();

beforeAll(async () => {
  mailbox = await startMailbox({ refuseRecipient: refuseOnce });
  await new Promise<void>((resolve) => smsProvider.listen(0, '127.0.0.1', resolve));
  const smtpPort = mailbox.port;
  const smsPort = (smsProvider.address() as AddressInfo).port;
  store = await openStore({ dataDir, log });
  const notifier = createNotifier({ smtpUrl: `smtp://127.0.0.1:${smtpPort}`, smsWebhookUrl: `http://127.0.0.1:${smsPort}/sms`, log });
  activities = createActivities({
    store,
    notifier,
    log,
    sealer,
    staff: { reviewers: 'review-desk@vendor.test' },
    async signal(processId, _signalName, payload) {
      if (endedProcesses.has(processId)) throw Object.assign(new Error(`workflow ${processId} not found`), { name: 'WorkflowNotFoundError' });
      signals.push({ processId, payload });
    },
  });
});

afterAll(async () => {
  await store.close();
  await mailbox.close();
  await new Promise<void>((resolve) => smsProvider.close(() => resolve()));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  mailbox.inbox.length = 0;
  texts.length = 0;
  signals.length = 0;
});

function view(id: string, partnerId: string, over: Partial<ProcessRow> = {}): ProcessRow {
  return {
    id,
    kind: 'partner-onboarding',
    kindVersion: 1,
    partnerId,
    customerId: null,
    businessKey: null,
    state: 'review',
    stateValue: 'review',
    context: {},
    label: { en: 'Under review', 'zh-CN': '审核中' },
    done: false,
    version: 1,
    waitingFor: ['reviewer'],
    dueAt: null,
    startedBy: 'alice',
    createdAt: '2025-03-05T04:00:00.000Z',
    updatedAt: '2025-03-05T04:00:00.000Z',
    ...over,
  };
}

function step(processView: ProcessRow, notifications: Step['notifications']): Step {
  return {
    view: processView,
    records: [{ processId: processView.id, seq: processView.version, at: processView.updatedAt, actorId: 'bob', role: 'reviewer', event: 'APPROVE', from: 'review', to: 'approved' }],
    notifications,
  };
}

/** What the workflow does with a step: record it (queueing its messages), then send them. */
async function recordAndSend(recorded: Step) {
  await activities.recordStep(recorded);
  for (const seq of new Set(recorded.notifications.map((n) => n.seq))) await activities.sendNotifications({ processId: recorded.view.id, seq });
}

const approved = {
  topic: 'reviewOutcome' as const,
  subject: { en: 'Application approved', 'zh-CN': '申请已通过' },
  body: { en: 'Your application was approved.', 'zh-CN': '您的申请已通过审核。' },
};

describe('notifications', () => {
  it('R74 sends each notification at most once when recordStep is retried', async () => {
    const partnerId = 'acme';
    const processView = view('onboarding-acme', partnerId, { version: 2 });
    await activities.openProcess({ view: processView, partnerSeed: { companyName: 'Acme', contactEmail: 'owner@acme.test' } });
    const approval = step(processView, [{ ...approved, audience: 'partner', topic: 'actionNeeded', seq: 2 }]);

    await recordAndSend(approval);
    await recordAndSend(approval);

    const key = 'onboarding-acme/2/email/owner@acme.test';
    expect(mailbox.inbox).toMatchObject([{ to: ['owner@acme.test'], subject: 'Application approved / 申请已通过', messageId: messageIdFor(key) }]);
    expect(await store.listOutbox({ processId: 'onboarding-acme' })).toMatchObject([{ key, status: 'sent', audience: 'partner' }]);
    expect((await store.listOutbox({ processId: 'onboarding-acme' }))[0].body).toBe(
      'Your application was approved.\n\n您的申请已通过审核。\n\nProcess / 流程: onboarding-acme',
    );
    expect(await store.listRecords('onboarding-acme')).toHaveLength(1);
  });

  it('R6 honours the partner message settings: sms on sends an sms with the notification key', async () => {
    await store.updatePartner('texting', { contact: { email: 'ops@texting.test', phone: '+8613800000001' } });
    await recordAndSend(step(view('cert-texting', 'texting'), [{ ...approved, audience: 'partner', seq: 1 }]));
    expect(mailbox.inbox.map((m) => m.to)).toEqual([['ops@texting.test']]);
    expect(texts).toEqual([{ to: '+8613800000001', text: expect.stringContaining('申请已通过'), idempotencyKey: 'cert-texting/1/sms/+8613800000001' }]);
  });

  it('R6 honours the partner message settings: sms off means no sms', async () => {
    await store.updatePartner('quiet', { contact: { email: 'ops@quiet.test', phone: '+8613800000002' }, messageSettings: { reviewOutcome: { sms: false } } });
    await recordAndSend(step(view('cert-quiet', 'quiet'), [{ ...approved, audience: 'partner', seq: 1 }]));
    expect(texts).toEqual([]);
    expect((await store.listOutbox({ processId: 'cert-quiet' })).map((m) => m.channel)).toEqual(['email']);
  });

  it('R6 sends nothing to the partner on a topic it switched off entirely', async () => {
    await store.updatePartner('silent', { contact: { email: 'a@silent.test' }, messageSettings: { reviewOutcome: { email: false, sms: false } } });
    await recordAndSend(step(view('cert-silent', 'silent'), [{ ...approved, audience: 'partner', seq: 1 }]));
    expect(mailbox.inbox).toEqual([]);
    expect(await store.listOutbox({ processId: 'cert-silent' })).toEqual([]);
  });

  it('tells reviewers at their configured address, whatever the partner settings', async () => {
    await store.updatePartner('reviewed', { messageSettings: { actionNeeded: { email: false } } });
    await recordAndSend(step(view('review-me', 'reviewed'), [{ ...approved, audience: 'reviewers', topic: 'actionNeeded', seq: 1 }]));
    expect(mailbox.inbox.map((m) => m.to)).toEqual([['review-desk@vendor.test']]);
  });

  it('R74 a failed send keeps the receiver\'s answer and is due again later; the dispatcher then delivers it once', async () => {
    await store.updatePartner('flaky', { contact: { email: 'a@flaky.test' } });
    const flaky = step(view('cert-flaky', 'flaky'), [{ ...approved, audience: 'partner', seq: 1 }]);
    refuseNextRecipient = true;
    // The per-step send no longer fails its activity (a mail outage would hold the process open): the outbox keeps the failure.
    await recordAndSend(flaky);
    const [failed] = await store.listOutbox({ processId: 'cert-flaky' });
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, lastAnswer: expect.stringMatching(/mailbox temporarily unavailable/) });
    expect(Date.parse(failed.nextAttemptAt!)).toBeGreaterThan(Date.parse(failed.lastAttemptAt!));

    // Not due yet: another per-step send leaves it to the dispatcher's next attempt.
    await recordAndSend(flaky);
    expect(mailbox.inbox).toEqual([]);
    await activities.drainOutbox({ forMs: 2500 });
    await recordAndSend(flaky);
    expect(mailbox.inbox.map((m) => m.to)).toEqual([['a@flaky.test']]);
    expect(await store.listOutbox({ processId: 'cert-flaky' })).toMatchObject([{ status: 'sent', attempts: 2, lastAnswer: expect.stringMatching(/^250/) }]);
  });

  it('R74 a message claimed by a sender that died is sent again once the claim expires, with the same Message-ID', async () => {
    await store.updatePartner('crashed', { contact: { email: 'a@crashed.test' } });
    const crashed = step(view('cert-crashed', 'crashed'), [{ ...approved, audience: 'partner', seq: 1 }]);
    await activities.recordStep(crashed);
    // What a worker killed between claiming and marking leaves behind: a claim nobody will renew.
    const { messages } = await store.outbox.claim({ leaseMs: 300, limit: 10, only: { processId: 'cert-crashed', seq: 1 } });
    expect(messages.map((m) => m.key)).toEqual(['cert-crashed/1/email/a@crashed.test']);

    await activities.sendNotifications({ processId: 'cert-crashed', seq: 1 });
    expect(mailbox.inbox).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 350));
    await activities.sendNotifications({ processId: 'cert-crashed', seq: 1 });
    expect(mailbox.inbox).toMatchObject([{ to: ['a@crashed.test'], subject: 'Application approved / 申请已通过', messageId: messageIdFor('cert-crashed/1/email/a@crashed.test') }]);
    expect(await store.listOutbox({ processId: 'cert-crashed' })).toMatchObject([{ status: 'sent', attempts: 2 }]);
  });

  it('R74 the per-step send and the dispatcher, running at once, send each message once and each recipient\'s mail in order', async () => {
    await store.updatePartner('busy', { contact: { email: 'a@busy.test', phone: '+8613800000009' } });
    const steps = Array.from({ length: 12 }, (_, i) => step(view('cert-busy', 'busy', { version: i + 1 }), [{ ...approved, subject: { en: `Step ${i + 1}`, 'zh-CN': `第 ${i + 1} 步` }, audience: 'partner', seq: i + 1 }]));
    for (const s of steps) await activities.recordStep(s);
    await Promise.all([
      activities.drainOutbox({ forMs: 400 }),
      activities.drainOutbox({ forMs: 400 }),
      ...steps.map((s) => activities.sendNotifications({ processId: 'cert-busy', seq: s.view.version })),
    ]);
    expect(mailbox.inbox.map((m) => m.subject)).toEqual(steps.map((_, i) => `Step ${i + 1} / 第 ${i + 1} 步`));
    expect(texts.map((t) => t.text.split(' /')[0])).toEqual(steps.map((_, i) => `Step ${i + 1}`));
    expect((await store.listOutbox({ processId: 'cert-busy' })).every((m) => m.status === 'sent' && m.attempts === 1)).toBe(true);
  });

  it('R74 a retry after the partner changed its contact does not reach a second address', async () => {
    await store.updatePartner('moving', { contact: { email: 'old@moving.test' } });
    const moving = step(view('cert-moving', 'moving'), [{ ...approved, audience: 'partner', seq: 1 }]);
    await recordAndSend(moving);
    await store.updatePartner('moving', { contact: { email: 'new@moving.test' } });
    await recordAndSend(moving);
    expect(mailbox.inbox.map((m) => m.to)).toEqual([['old@moving.test']]);
  });
});

describe('facts between processes', () => {
  it('R10 announce signals the other open processes of the same partner, not the announcing one', async () => {
    const partnerId = 'announcer';
    const announcing = view('biz-cert-announcer', partnerId, { kind: 'business-certification' });
    for (const processView of [
      announcing,
      view('nre-announcer', partnerId, { kind: 'nre-milestones' }),
      view('ended-since-listed', partnerId),
      view('done-announcer', partnerId, { done: true }),
      view('nre-other-partner', 'someone-else'),
    ]) {
      await activities.openProcess({ view: processView });
    }
    endedProcesses.add('ended-since-listed');
    const announcement: Announcement = { fact: 'businessCertified', value: true };

    await activities.announce({ partnerId, processId: announcing.id, announcement });

    expect(signals).toEqual([{ processId: 'nre-announcer', payload: announcement }]);
    expect((await store.getPartner(partnerId))?.facts.businessCertified).toBe(true);
  });

  it('R10 a process opened after the announcement reads the fact at its start', async () => {
    await activities.announce({ partnerId: 'late', processId: 'biz-cert-late', announcement: { fact: 'businessCertified', value: true } });
    const facts = await activities.openProcess({ view: view('nre-late', 'late', { kind: 'nre-milestones' }) });
    expect(facts).toEqual({ realNameVerified: false, emailBound: false, businessCertified: true });
  });

  it('R5 announces a certified role to the partner record', async () => {
    await activities.announce({ partnerId: 'roles', processId: 'role-cert-1', announcement: { fact: 'roleCertified', role: 'consulting-integration' } });
    expect((await store.getPartner('roles'))?.certifiedRoles).toEqual(['consulting-integration']);
  });

  it('passes on a signal error that is not about an ended process', async () => {
    const failing = createActivities({
      store, log, sealer, notifier: { send: async () => null },
      signal: async () => { throw new Error('connection refused'); },
    });
    await activities.openProcess({ view: view('nre-unreachable', 'unreachable') });
    await expect(failing.announce({ partnerId: 'unreachable', processId: 'x', announcement: { fact: 'emailBound', value: true } })).rejects.toThrow(/connection refused/);
  });
});
