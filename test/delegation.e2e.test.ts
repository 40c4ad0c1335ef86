import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/devServer';
import { eventually, footprint } from './support/flows';
import { startMailbox } from './support/mailbox';
import { licence } from './support/fixtures';
import { startProduct, type Person, type Product } from './support/product';

/**
 * A reviewer away: `PUT /v1/reviewers/:id/delegation`. While it holds, the reviews they hold are the
 * delegate's to decide ("for <reviewer>" in the inbox), decisions record both people (R71), four-eyes
 * holds for both (R72), and reminders of what they hold reach the delegate.
 */

let product: Product;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
beforeAll(async () => {
  const smtpPort = await freePort();
  mailbox = await startMailbox({ port: smtpPort });
  product = await startProduct({
    env: {
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      // Delivery evidence is due 6 s after it is submitted, its reminder 1 s before; other kinds keep working days.
      REVIEW_DUE: JSON.stringify({ '*': { workingDays: 3 }, 'delivery-evaluation': { ms: 6000 } }),
      REVIEW_REMIND_BEFORE_MS: '1000',
    },
  });
});
afterAll(async () => {
  await product?.stop();
  await mailbox?.close();
});

const hour = 3600 * 1000;
const inHours = (h: number) => new Date(Date.now() + h * hour).toISOString();
const delegate = (who: Person, reviewer: string, body: Record<string, unknown>) => product.call(who, 'PUT', `/v1/reviewers/${encodeURIComponent(reviewer)}/delegation`, body);
const handover = [{ name: 'Handover report', url: 'https://files.acme.example/handover.pdf' }];
const evidence = [{ name: 'Acceptance certificate', url: 'https://files.acme.example/acceptance.pdf' }];

async function submittedCertification(partner: Person) {
  const started = await product.start(partner, 'business-certification');
  expect((await product.act(partner, started.body.id, { type: 'SUBMIT', ...licence })).status).toBe(200);
  return started.body.id as string;
}

describe('delegation while away', () => {
  it('R72: a delegation to oneself, to a non-reviewer, in the past, overlapping another, to someone away, by someone standing in for another, or set by someone else is refused with a reason, and nothing is stored', async () => {
    const refused = async (who: Person, reviewer: string, body: Record<string, unknown>, status: number, code: string) => {
      const reply = await delegate(who, reviewer, body);
      expect(reply.status, JSON.stringify(reply.body)).toBe(status);
      expect(reply.body.error.code).toBe(code);
      expect(reply.body.error.reason.length).toBeGreaterThan(20);
    };
    await refused('wang', 'wang.reviewer', { to: 'wang.reviewer', until: inHours(8) }, 422, 'delegate_is_self');
    await refused('wang', 'wang.reviewer', { to: product.people.acme.id, until: inHours(8) }, 422, 'delegate_not_reviewer');
    await refused('wang', 'wang.reviewer', { to: 'li.reviewer', from: inHours(-5), until: inHours(-1) }, 422, 'period_in_past');
    await refused('wang', 'wang.reviewer', { to: 'li.reviewer', from: inHours(9), until: inHours(8) }, 422, 'period_empty');
    await refused('wang', 'wang.reviewer', { to: 'li.reviewer', until: 'tomorrow' }, 422, 'invalid_body');
    await refused('li', 'wang.reviewer', { to: 'li.reviewer', until: inHours(8) }, 403, 'not_your_delegation');
    await refused('acme', 'wang.reviewer', { to: 'li.reviewer', until: inHours(8) }, 403, 'not_your_delegation');
    await refused('ops', 'nobody.reviewer', { to: 'li.reviewer', until: inHours(8) }, 404, 'no_such_reviewer');
    expect((await product.call('wang', 'GET', '/v1/reviewers/wang.reviewer/delegations')).body.items).toEqual([]);

    // Ops sets one for wang (tomorrow, to zhou); the same again is the same one; an overlapping one is refused.
    const period = { to: 'zhou.prereviewer', from: inHours(24), until: inHours(48) };
    const set = await delegate('ops', 'wang.reviewer', period);
    expect(set.status).toBe(201);
    expect(set.body).toMatchObject({ reviewer: 'wang.reviewer', to: 'zhou.prereviewer', active: false, createdBy: 'ops' });
    expect(set.body.fromLocal).toMatch(/\+08:00$/);
    const again = await delegate('wang', 'wang.reviewer', period);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(set.body.id);
    await refused('wang', 'wang.reviewer', { to: 'li.reviewer', from: inHours(47), until: inHours(60) }, 422, 'overlapping_delegation');
    // No chains. zhou cannot stand in for someone while zhou is away then.
    const zhouAway = await delegate('zhou', 'zhou.prereviewer', { to: 'li.reviewer', from: inHours(50), until: inHours(51) });
    expect(zhouAway.status).toBe(201);
    await refused('wang', 'wang.reviewer', { to: 'zhou.prereviewer', from: inHours(49), until: inHours(52) }, 422, 'delegate_away');
    // Nor can a delegate go away while standing in: zhou covers wang 24–48 h from now, li covers zhou 50–51 h.
    await refused('zhou', 'zhou.prereviewer', { to: 'li.reviewer', from: inHours(30), until: inHours(31) }, 422, 'reviewer_is_delegate');
    const chain = await delegate('li', 'li.reviewer', { to: 'wang.reviewer', from: inHours(50.5), until: inHours(53) });
    expect(chain.status).toBe(422);
    expect(chain.body.error).toMatchObject({ code: 'reviewer_is_delegate', reason: expect.stringContaining('li.reviewer stands in for zhou.prereviewer') });
    expect((await product.call('wang', 'GET', '/v1/reviewers/wang.reviewer/delegations')).body.items.map((d: { id: string }) => d.id)).toEqual([set.body.id]);
    expect((await product.call('zhou', 'GET', '/v1/reviewers/zhou.prereviewer/delegations')).body.items.map((d: { id: string }) => d.id)).toEqual([zhouAway.body.id]);
    expect((await product.call('li', 'GET', '/v1/reviewers/li.reviewer/delegations')).body.items).toEqual([]);

    // Called off, it is gone.
    expect((await product.call('wang', 'DELETE', `/v1/reviewers/wang.reviewer/delegations/${set.body.id}`)).status).toBe(200);
    expect((await product.call('zhou', 'DELETE', `/v1/reviewers/zhou.prereviewer/delegations/${zhouAway.body.id}`)).status).toBe(200);
    expect((await product.call('wang', 'GET', '/v1/reviewers/wang.reviewer/delegations')).body.items).toEqual([]);
  });

  it('R71 R72: while li is away, wang decides what li holds, recorded as by wang on behalf of li; nobody else may', async () => {
    const id = await submittedCertification('acme');
    expect((await product.call('li', 'POST', `/v1/tasks/${encodeURIComponent(id)}/claim`)).status).toBe(200);
    const away = await delegate('li', 'li.reviewer', { to: 'wang.reviewer', until: inHours(8) });
    expect(away.status).toBe(201);
    expect(away.body.active).toBe(true);

    // wang's inbox shows it as his, for li.
    const mine = await product.call('wang', 'GET', '/v1/tasks?claimed=mine');
    const item = mine.body.items.find((i: { id: string }) => i.id === id);
    expect(item.task).toMatchObject({ claimedBy: 'li.reviewer', onBehalfOf: 'li.reviewer' });
    expect(item.allowedActions.map((a: { type: string }) => a.type)).toContain('APPROVE');
    // Others still see li holding it, and may not decide it.
    const zhou = await product.call('zhou', 'GET', '/v1/tasks');
    expect(zhou.body.items.find((i: { id: string }) => i.id === id).task.onBehalfOf).toBeUndefined();
    const before = await footprint(product, id);
    const other = await product.act('zhou', id, { type: 'APPROVE' });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('claimed_by_other');
    expect(await footprint(product, id)).toEqual(before);

    const decided = await product.act('wang', id, { type: 'APPROVE', comment: 'Approved while Li is away' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body.records.at(-1)).toMatchObject({ event: 'APPROVE', actor: 'wang.reviewer', onBehalfOf: 'li.reviewer', role: 'reviewer', comment: 'Approved while Li is away' });
    const stored = (await product.store.listRecords(id)).at(-1)!;
    expect(stored).toMatchObject({ actorId: 'wang.reviewer', onBehalfOf: 'li.reviewer' });
    // The partner reads the same record.
    expect((await product.view('acme', id)).body.records.at(-1)).toMatchObject({ actor: 'wang.reviewer', onBehalfOf: 'li.reviewer' });

    // Called off: li's holds are li's again.
    expect((await product.call('li', 'DELETE', `/v1/reviewers/li.reviewer/delegations/${away.body.id}`)).body.active).toBe(false);
    const next = await submittedCertification('globex');
    await product.call('li', 'POST', `/v1/tasks/${encodeURIComponent(next)}/claim`);
    expect((await product.act('wang', next, { type: 'APPROVE' })).body.error.code).toBe('claimed_by_other');
    expect((await product.act('li', next, { type: 'APPROVE' })).status).toBe(200);
  });

  it('R72: a delegate never decides, on anyone’s behalf, what they submitted themselves', async () => {
    // chen submits for initech as a partner; zhou holds the review and is away, with chen (a reviewer too) standing in.
    const id = await submittedCertification('chenPartner');
    expect((await product.call('zhou', 'POST', `/v1/tasks/${encodeURIComponent(id)}/claim`)).status).toBe(200);
    const away = await delegate('zhou', 'zhou.prereviewer', { to: product.people.chenReviewer.id, until: inHours(2) });
    expect(away.status).toBe(201);
    const before = await footprint(product, id);
    const own = await product.act('chenReviewer', id, { type: 'APPROVE' });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('four_eyes');
    expect(await footprint(product, id)).toEqual(before);
    await product.call('zhou', 'DELETE', `/v1/reviewers/zhou.prereviewer/delegations/${away.body.id}`);
    expect((await product.act('zhou', id, { type: 'APPROVE' })).status).toBe(200);
  });

  it('R74: the reminder of a review held by someone away reaches their delegate, once, at the delegate’s address', async () => {
    // Two reviewers with addresses: made as managed keys by ops, so the directory knows their emails.
    const made = async (id: string, email: string) => {
      const reply = await product.call('ops', 'POST', '/v1/keys', { id, role: 'reviewer', email, name: id });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      return reply.body.key as string;
    };
    const luKey = await made('lu.reviewer', 'lu@vendor.example');
    await made('ma.reviewer', 'ma@vendor.example');
    const call = (key: string, method: string, route: string, body?: unknown) =>
      fetch(product.url + route, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    expect((await call(luKey, 'PUT', '/v1/reviewers/lu.reviewer/delegation', { to: 'ma.reviewer', until: inHours(4) })).status).toBe(201);

    const { body } = await product.start('acme', 'delivery-evaluation', { project: 'Held while away', materials: handover }, { businessKey: 'held-away' });
    await product.act('acme', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    expect((await call(luKey, 'POST', `/v1/tasks/${encodeURIComponent(body.id)}/claim`)).status).toBe(200);

    const reminders = await eventually(
      async () => mailbox.inbox.filter((m) => m.subject.includes('Held while away') && m.subject.startsWith('Reminder')),
      (found) => found.length >= 2,
    );
    expect(reminders.map((m) => m.to[0]).sort()).toEqual(['ma@vendor.example', 'reviewers@partnerflow.local']);
    expect(reminders.find((m) => m.to[0] === 'ma@vendor.example')!.subject).toContain('for lu.reviewer');
    expect(mailbox.inbox.filter((m) => m.to.includes('lu@vendor.example'))).toEqual([]);
  });
});
