import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint } from './support/flows';
import { startProduct, type Product } from './support/product';

let product: Product;
let acme: string;
beforeAll(async () => {
  product = await startProduct();
  acme = product.people.acme.partnerId;
  await product.call('acme', 'PATCH', `/v1/partners/${acme}`, { contact: { email: 'partners@acme.example' } });
});
afterAll(() => product?.stop());

const types = (actions: Array<{ type: string }>) => actions.map((a) => a.type).sort();
const partnerMail = (id: string) => product.store.listOutbox({ processId: id }).then((ms) => ms.filter((m) => m.audience === 'partner'));
const customerMail = (id: string) => product.store.listOutbox({ processId: id }).then((ms) => ms.filter((m) => m.audience === 'customer'));

describe('customer disassociation (解除关联) over the API, on the real Temporal server', () => {
  it('R40 a customer starts a disassociation and the partner agrees (同意)', async () => {
    const started = await product.start('qian', 'disassociation', { associationType: 'referral', reason: 'We buy directly now', customer: { email: 'it@qian.example' } }, { businessKey: 'agree' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id;
    expect(started.body).toMatchObject({
      state: 'awaitingPartner',
      partnerId: acme,
      waitingFor: ['partner'],
      label: { en: 'Customer asked to disassociate: waiting for the partner', 'zh-CN': '客户申请解除关联，待伙伴处理' },
    });
    expect(types(started.body.allowedActions)).toEqual(['CANCEL_REQUEST']);
    expect(types((await product.view('acme', id)).body.allowedActions)).toEqual(['AGREE', 'DECLINE']);
    expect((await partnerMail(id)).map((m) => m.subject)).toEqual([expect.stringContaining('客户cust-qian-')]);

    // The customer cannot decide its own request, another customer cannot even see it, nor can another partner.
    expect((await product.act('qian', id, { type: 'AGREE' })).body.error.code).toBe('role_not_allowed');
    expect((await product.view('sun', id)).status).toBe(404);
    expect((await product.act('sun', id, { type: 'CANCEL_REQUEST' })).status).toBe(404);
    expect((await product.view('globex', id)).status).toBe(404);

    const agreed = await product.act('acme', id, { type: 'AGREE', comment: 'Thanks for the years together' });
    expect(agreed.status, JSON.stringify(agreed.body)).toBe(200);
    expect(agreed.body).toMatchObject({ state: 'disassociated', done: true, label: { 'zh-CN': '已解除关联' } });
    expect(agreed.body.data.partnerDecision).toMatchObject({ decision: 'agreed', by: product.people.acme.id });
    expect((await customerMail(id)).map((m) => [m.channel, m.recipient])).toEqual([['email', 'it@qian.example']]);
  });

  it('R40 a customer starts a disassociation and the partner rejects it (驳回); refusals change nothing (R73)', async () => {
    const id = (await product.start('qian', 'disassociation', { associationType: 'advance-payment', customer: { phone: '+86 139 0000 0001' } }, { businessKey: 'reject' })).body.id;
    const before = await footprint(product, id);
    expect((await product.act('acme', id, { type: 'DECLINE' })).body.error.code).toBe('invalid_payload');
    expect((await product.act('acme', id, { type: 'APPLY' })).body.error.code).toBe('not_allowed_in_state');
    expect((await product.act('globex', id, { type: 'AGREE' })).status).toBe(404);
    expect(await footprint(product, id)).toEqual(before);

    const rejected = await product.act('acme', id, { type: 'DECLINE', comment: 'Your advance-paid resources are still running' });
    expect(rejected.body).toMatchObject({ state: 'rejected', done: true, label: { en: 'Rejected by the partner', 'zh-CN': '伙伴已驳回' } });
    expect(rejected.body.data.consequences).toBeUndefined();
    const told = await customerMail(id);
    expect(told.map((m) => [m.channel, m.recipient])).toEqual([['sms', '+86 139 0000 0001']]);
    expect(told[0].body).toContain('Your advance-paid resources are still running');
    expect((await product.act('acme', id, { type: 'AGREE' })).body.error.code).toBe('process_ended');
  });

  it('R40 the customer may cancel its request while the partner has not decided', async () => {
    const id = (await product.start('qian', 'disassociation', { associationType: 'referral' }, { businessKey: 'cancel' })).body.id;
    // The partner's WITHDRAW is for its own applications; the customer's request is the customer's to cancel.
    expect((await product.act('acme', id, { type: 'WITHDRAW' })).body.error.code).toBe('not_allowed_in_state');
    expect((await product.act('acme', id, { type: 'CANCEL_REQUEST' })).body.error.code).toBe('role_not_allowed');
    expect((await product.act('qian', id, { type: 'CANCEL_REQUEST' })).body).toMatchObject({ state: 'withdrawn', done: true });
  });

  it('R41 a partner-initiated disassociation of a resale sub-customer goes through pre-review; a failure shows the reasons and the pre-reviewer, and the partner applies again', async () => {
    const customerId = product.people.qian.customerId;
    const started = await product.start('acme', 'disassociation', { associationType: 'resale', customerId, reason: 'Reseller contract ended', customer: { email: 'it@qian.example' } }, { businessKey: 'resale' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id;
    expect(started.body).toMatchObject({ state: 'preReview', waitingFor: ['reviewer'], label: { 'zh-CN': '解除关联预评审中' } });
    expect(started.body.dueAt).toEqual(expect.any(String));
    expect(types((await product.view('zhou', id)).body.allowedActions)).toEqual(['APPROVE', 'REJECT']);

    const failed = await product.act('zhou', id, { type: 'REJECT', comment: 'The sub-customer still has unpaid resale orders' });
    expect(failed.body).toMatchObject({ state: 'preReviewFailed', waitingFor: ['partner'], label: { 'zh-CN': '预评审不通过，处理后可再申请解除关联' } });
    // 不通过原因 and 联系预审人, as the partner sees them.
    const seen = await product.view('acme', id);
    expect(seen.body.data.preReviews).toEqual([
      expect.objectContaining({
        attempt: 1,
        result: 'failed',
        reasons: 'The sub-customer still has unpaid resale orders',
        preReviewer: { id: 'zhou.prereviewer', name: 'Zhou Min', email: 'zhou.min@vendor.example' },
      }),
    ]);
    expect(types(seen.body.allowedActions)).toEqual(['APPLY', 'WITHDRAW']);
    const told = (await partnerMail(id)).at(-1)!;
    expect(told.body).toContain('不通过原因：The sub-customer still has unpaid resale orders');
    expect(told.body).toContain('Zhou Min <zhou.min@vendor.example>');

    expect((await product.act('acme', id, { type: 'APPLY', note: 'The orders are paid now' })).body.state).toBe('preReview');
    const passed = await product.act('li', id, { type: 'APPROVE' });
    expect(passed.body).toMatchObject({ state: 'disassociated', done: true });
    expect(passed.body.data.preReviews.map((r: { attempt: number; result: string }) => [r.attempt, r.result])).toEqual([
      [1, 'failed'],
      [2, 'passed'],
    ]);
    expect((await customerMail(id)).map((m) => m.recipient)).toEqual(['it@qian.example']);
  });

  it('R41 R72 nobody passes the pre-review of their own application', async () => {
    const started = await product.start('chenPartner', 'disassociation', { associationType: 'resale', customerId: 'cust-of-initech' }, { businessKey: 'own' });
    const refused = await product.act('chenReviewer', started.body.id, { type: 'APPROVE' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('four_eyes');
  });

  it('R41 only a resale sub-customer is disassociated by its partner, and the partner names the customer; a refused start creates nothing', async () => {
    const referral = await product.start('acme', 'disassociation', { associationType: 'referral', customerId: 'cust-x' }, { businessKey: 'not-resale' });
    expect(referral.status).toBe(409);
    expect(referral.body.error.code).toBe('resale_only');
    expect(referral.body.error.reason).toContain('代售子客户');
    expect((await product.view('acme', `disassociation:${acme}:not-resale`)).status).toBe(404);
    const nobody = await product.start('acme', 'disassociation', { associationType: 'resale' }, { businessKey: 'nobody' });
    expect([nobody.status, nobody.body.error.code]).toEqual([422, 'customer_required']);
    const someoneElse = await product.start('qian', 'disassociation', { associationType: 'referral', customerId: 'cust-other' });
    expect([someoneElse.status, someoneElse.body.error.code]).toEqual([403, 'not_your_customer']);
  });

  it('R42 a partner lists its disassociations with their association type, and each one\'s event records; a customer lists only its own', async () => {
    const sunId = (await product.start('sun', 'disassociation', { associationType: 'referral' }, { businessKey: 'listed' })).body.id;
    const listed = await product.call('acme', 'GET', '/v1/processes?kind=disassociation&limit=100');
    expect(listed.status).toBe(200);
    const items = listed.body.items as Array<{ id: string; kind: string; data: { associationType: string; associationTypeLabel: { 'zh-CN': string }; customerId: string } }>;
    expect(items.length).toBeGreaterThanOrEqual(5);
    expect(items.every((p) => p.kind === 'disassociation')).toBe(true);
    expect(items.find((p) => p.id === sunId)?.data).toMatchObject({ associationType: 'referral', associationTypeLabel: { 'zh-CN': '推荐' }, customerId: product.people.sun.customerId });
    expect(new Set(items.map((p) => p.data.associationType))).toEqual(new Set(['referral', 'advance-payment', 'resale']));

    // The events of one disassociation, as its records (解除关联的事件记录).
    const resale = items.find((p) => p.data.associationType === 'resale' && p.id.endsWith(':resale'))!;
    const records = (await product.view('acme', resale.id)).body.records;
    expect(records.map((r: { event: string; to: string }) => [r.event, r.to])).toEqual([
      ['START', 'preReview'],
      ['REJECT', 'preReviewFailed'],
      ['APPLY', 'preReview'],
      ['APPROVE', 'disassociated'],
    ]);
    expect(records[1]).toMatchObject({ actor: 'zhou.prereviewer', role: 'reviewer', comment: 'The sub-customer still has unpaid resale orders' });

    // A partner filters by customer; a customer sees the ones about itself only (R72).
    const bySun = await product.call('acme', 'GET', `/v1/processes?kind=disassociation&customerId=${product.people.sun.customerId}`);
    expect(bySun.body.items.map((p: { id: string }) => p.id)).toEqual([sunId]);
    const sunOwn = await product.call('sun', 'GET', '/v1/processes?kind=disassociation');
    expect(sunOwn.body.items.map((p: { id: string }) => p.id)).toEqual([sunId]);
    expect((await product.call('sun', 'GET', `/v1/processes?customerId=${product.people.qian.customerId}`)).status).toBe(403);
    expect((await product.call('globex', 'GET', '/v1/processes?kind=disassociation')).body.items).toEqual([]);
  });

  it('R43 the end of an association records where refunds go and that vendor-issued vouchers stay usable', async () => {
    const id = (
      await product.start('qian', 'disassociation', { associationType: 'advance-payment', associatedSince: '2025-03-01T00:00:00+08:00', customer: { email: 'it@qian.example' } }, { businessKey: 'r43' })
    ).body.id;
    const ended = await product.act('acme', id, { type: 'AGREE' });
    const consequences = ended.body.data.consequences;
    expect(consequences).toMatchObject({
      associationPeriod: { from: '2025-03-01T00:00:00+08:00', to: consequences.effectiveAt },
      refunds: { destination: 'partner-account', partnerId: acme, settlement: { 'zh-CN': '产生的退款金额将退还至关联期间的伙伴账户，客户需自行与伙伴协商处理' } },
      paidByPartnerNotConsumed: { settlement: { 'zh-CN': expect.stringContaining('协商处理') } },
      vouchers: { vendorIssued: 'remain-usable' },
    });
    expect(consequences.effectiveAt).toBe(ended.body.records.at(-1).at);
    // Both sides are told what follows.
    for (const message of [...(await customerMail(id)), ...(await partnerMail(id)).slice(-1)]) {
      expect(message.body).toContain("Refunds go to the partner's account of the association period");
      expect(message.body).toContain('代金券仍然可以继续使用');
    }
  });
});
