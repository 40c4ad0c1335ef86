import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/devServer';
import { eventually } from './support/flows';
import { startMailbox } from './support/mailbox';
import { startProduct, type Product } from './support/product';

/**
 * The reviewers' day: the inbox, claims, and review deadlines with their reminder and escalation,
 * on the real Temporal server, with mail going to a real SMTP server.
 */

let product: Product;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
beforeAll(async () => {
  const smtpPort = await freePort();
  mailbox = await startMailbox({ port: smtpPort });
  product = await startProduct({
    env: {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      // Delivery evidence is due 4 s after it is submitted, with the reminder 2.5 s before; the rest keep working days.
      REVIEW_DUE: JSON.stringify({ '*': { workingDays: 3 }, 'delivery-evaluation': { ms: 4000 } }),
      REVIEW_REMIND_BEFORE_MS: '2500',
    },
  });
});
afterAll(async () => {
  await product?.stop();
  await mailbox?.close();
});

const handover = [{ name: 'Handover report', url: 'https://files.acme.example/handover.pdf' }];
const evidence = [{ name: 'Acceptance certificate', url: 'https://files.acme.example/acceptance.pdf' }];
const ids = (items: Array<{ id: string }>) => items.map((i) => i.id);

describe('the inbox', () => {
  it('lists the processes waiting for the caller, oldest first, with their due time in GMT+08:00', async () => {
    const first = (await product.start('acme', 'initiation-review', { solution: 'Inbox one' }, { businessKey: 'inbox-1' })).body;
    const second = (await product.start('globex', 'initiation-review', { solution: 'Inbox two' }, { businessKey: 'inbox-2' })).body;
    const partnerSide = (await product.start('acme', 'nre-milestones', {}, { businessKey: 'inbox-nre' })).body;

    const reviewer = await product.call('li', 'GET', '/v1/tasks?kind=initiation-review');
    expect(reviewer.status).toBe(200);
    const mine = reviewer.body.items.filter((i: { id: string }) => [first.id, second.id].includes(i.id));
    expect(ids(mine)).toEqual([first.id, second.id]);
    expect(mine[0].task).toMatchObject({ role: 'reviewer', claimedBy: null, overdue: false, dueAt: first.dueAt });
    // Three working days later at 18:00 in Beijing.
    expect(mine[0].task.dueAtLocal).toMatch(/T18:00:00\.000\+08:00$/);
    expect(mine[0].allowedActions.map((a: { type: string }) => a.type)).toContain('APPROVE');

    // Filters: by partner, and by how long it has waited.
    const byPartner = await product.call('li', 'GET', `/v1/tasks?partnerId=${product.people.globex.partnerId}`);
    expect(ids(byPartner.body.items)).toEqual([second.id]);
    const old = await product.call('li', 'GET', `/v1/tasks?kind=initiation-review&waitingSinceBefore=${encodeURIComponent(mine[0].task.since)}`);
    expect(ids(old.body.items)).not.toContain(second.id);

    // A partner's inbox holds only its own processes waiting for it.
    const partner = await product.call('acme', 'GET', '/v1/tasks');
    expect(ids(partner.body.items)).toContain(partnerSide.id);
    expect(ids(partner.body.items)).not.toContain(first.id);
    expect(partner.body.items.every((i: { partnerId: string }) => i.partnerId === product.people.acme.partnerId)).toBe(true);
    expect((await product.call('acme', 'GET', `/v1/tasks?partnerId=${product.people.globex.partnerId}`)).status).toBe(403);

    // A decision takes the item out of the reviewers' inbox.
    await product.act('li', first.id, { type: 'APPROVE', subject: 'initiation' });
    expect(ids((await product.call('wang', 'GET', '/v1/tasks?kind=initiation-review')).body.items)).not.toContain(first.id);
  });

  it('refuses bad filters with a reason and unknown callers with 403', async () => {
    const bad = await product.call('li', 'GET', '/v1/tasks?waitingSinceBefore=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.reason).toMatch(/waitingSinceBefore/);
    expect((await product.call('li', 'GET', '/v1/tasks?role=ops')).status).toBe(403);
    expect((await product.call('zhao', 'GET', '/v1/tasks')).status).toBe(403);
  });

  it('a reviewer claims an item; others see who holds it and cannot decide it until it is released', async () => {
    const { body } = await product.start('acme', 'initiation-review', { solution: 'Claimed' }, { businessKey: 'claimed' });
    const path = `/v1/tasks/${encodeURIComponent(body.id)}`;
    const claimed = await product.call('li', 'POST', `${path}/claim`);
    expect(claimed.status).toBe(200);
    expect(claimed.body.task).toMatchObject({ claimedBy: 'li.reviewer' });

    const seen = (await product.call('wang', 'GET', '/v1/tasks?kind=initiation-review')).body.items.find((i: { id: string }) => i.id === body.id);
    expect(seen.task.claimedBy).toBe('li.reviewer');
    const taken = await product.call('wang', 'POST', `${path}/claim`);
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'claimed_by_other' });
    expect(taken.body.error.reason).toContain('li.reviewer');
    const decided = await product.act('wang', body.id, { type: 'APPROVE', subject: 'initiation' });
    expect(decided.status).toBe(409);
    expect(decided.body.error.code).toBe('claimed_by_other');
    expect((await product.call('wang', 'POST', `${path}/release`)).status).toBe(409);
    expect((await product.call('acme', 'POST', `${path}/claim`)).status).toBe(403);
    expect(ids((await product.call('li', 'GET', '/v1/tasks?claimed=mine')).body.items)).toEqual([body.id]);

    // Ops repairs a hold left behind; then anyone may take it.
    const released = await product.call('ops', 'POST', `${path}/release`);
    expect(released.body.task.claimedBy).toBeNull();
    expect((await product.call('wang', 'POST', `${path}/claim`)).body.task.claimedBy).toBe('wang.reviewer');
    expect((await product.act('wang', body.id, { type: 'APPROVE', subject: 'initiation' })).status).toBe(200);
    const nothing = await product.call('wang', 'POST', `${path}/claim`);
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.code).toBe('not_waiting_for_review');
  });
});

describe('claims and four-eyes', () => {
  it('R72 nobody claims the review of their own submission, so nobody can block it', async () => {
    // chen holds a partner key (initech) and a reviewer key: one person.
    const { body } = await product.start('chenPartner', 'delivery-evaluation', { project: 'Own work', materials: handover }, { businessKey: 'own-work' });
    await product.act('chenPartner', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    const claimed = await product.call('chenReviewer', 'POST', `/v1/tasks/${encodeURIComponent(body.id)}/claim`);
    expect(claimed.status).toBe(403);
    expect(claimed.body.error.code).toBe('four_eyes');
    expect((await product.store.getTask(body.id, 'reviewer'))?.claimedBy).toBeNull();
    expect((await product.act('li', body.id, { type: 'CONCLUDE', result: 'passed' })).status).toBe(200);
  });
});

describe('review deadlines', () => {
  it('reminds the reviewers before the due time and tells ops once it is overdue; the item shows as overdue', async () => {
    const { body } = await product.start('acme', 'delivery-evaluation', { project: 'Late review', materials: handover }, { businessKey: 'late' });
    const submitted = await product.act('acme', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    expect(Date.parse(submitted.body.dueAt) - Date.parse(submitted.body.updatedAt)).toBeLessThanOrEqual(4000);

    const overdue = await eventually(
      () => product.view('li', body.id),
      (r) => r.body.records.some((x: { event: string }) => x.event === 'reviewOverdue'),
    );
    const timed = overdue.body.records.filter((r: { role: string }) => r.role === 'system').map((r: { event: string }) => r.event);
    expect(timed).toEqual(['reviewReminder', 'reviewOverdue']);

    const mails = await eventually(
      async () => mailbox.inbox.filter((m) => m.subject.includes('Late review')),
      (found) => found.length >= 3,
    );
    expect(mails.map((m) => [m.to[0], m.subject.split(':')[0]])).toEqual([
      ['reviewers@partnerflow.local', 'Review needed'],
      ['reviewers@partnerflow.local', 'Reminder'],
      ['ops@partnerflow.local', 'Overdue review'],
    ]);
    expect(mails[2].subject).toContain('审核已超时');

    const late = await product.call('ops', 'GET', '/v1/tasks?role=reviewer&overdue=true&kind=delivery-evaluation');
    expect(ids(late.body.items)).toContain(body.id);
    expect(late.body.items.find((i: { id: string }) => i.id === body.id).task.overdue).toBe(true);
  });

  it('a decision before the due time cancels the reminder and the escalation', async () => {
    const { body } = await product.start('globex', 'delivery-evaluation', { project: 'Quick review', materials: handover }, { businessKey: 'quick' });
    const handle = product.client.temporal.workflow.getHandle(body.id);
    const timers = async () => {
      const { events } = await handle.fetchHistory();
      return { started: events!.filter((e) => e.timerStartedEventAttributes).length, canceled: events!.filter((e) => e.timerCanceledEventAttributes).length };
    };
    await product.act('globex', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    // The reminder and the escalation share one engine timer, set for the earlier (driver generation 4).
    expect(await timers()).toEqual({ started: 1, canceled: 0 });
    // Asking for more is a decision: the review's durable timer is cancelled in the engine.
    await product.act('li', body.id, { type: 'REQUEST_MORE', comment: 'Add the test report' });
    expect(await timers()).toEqual({ started: 1, canceled: 1 });
    // New evidence is a new review with timers of its own; concluding it ends the process with nothing left to fire.
    await product.act('globex', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    await product.act('wang', body.id, { type: 'CONCLUDE', result: 'passed' });
    await handle.result();
    expect(await timers()).toEqual({ started: 2, canceled: 2 });
    const view = await product.view('li', body.id);
    expect(view.body.records.map((r: { event: string }) => r.event)).toEqual(['START', 'SUBMIT_EVIDENCE', 'REQUEST_MORE', 'SUBMIT_EVIDENCE', 'CONCLUDE']);
    expect(mailbox.inbox.filter((m) => m.subject.includes('Quick review') && m.to[0] === 'ops@partnerflow.local')).toEqual([]);
  });
});

describe('R24 what can be done in which status', () => {
  it('R24 GET /v1/kinds/:kind gives every kind’s table of state × allowed events × role, read off the machines', async () => {
    const kinds = (await product.call('li', 'GET', '/v1/kinds')).body.items.map((k: { kind: string }) => k.kind);
    expect(kinds).toEqual(expect.arrayContaining(['initiation-review', 'delivery-evaluation', 'nre-milestones']));
    for (const kind of kinds) {
      const { body } = await product.call('acme', 'GET', `/v1/kinds/${kind}`);
      for (const state of body.states) {
        expect(state.label.en && state.label['zh-CN'], `${kind} ${state.id}`).toBeTruthy();
        for (const allowed of state.allowed) expect(body.events.find((e: { type: string }) => e.type === allowed.event).roles).toEqual(allowed.roles);
      }
    }
    const delivery = (await product.call('acme', 'GET', '/v1/kinds/delivery-evaluation')).body;
    const row = (id: string) => delivery.states.find((s: { id: string }) => s.id === id);
    expect(row('materialsSubmitted').allowed).toEqual([
      { event: 'SUBMIT_EVIDENCE', roles: ['partner'] },
      { event: 'WITHDRAW', roles: ['partner'] },
    ]);
    expect(row('underEvaluation').allowed.map((a: { event: string }) => a.event)).toEqual(['REQUEST_MORE', 'CONCLUDE', 'WITHDRAW']);
    expect(row('passed')).toMatchObject({ final: true, allowed: [] });
  });
});
