import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, footprint } from './support/flows';
import { startMailbox } from './support/mailbox';
import { startProduct, type Product } from './support/product';

let product: Product;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let acme: string;
const texts: Array<{ to: string; text: string; idempotencyKey: string }> = [];
/** A real SMS provider endpoint: what arrives here is what a phone would get. */
const smsProvider = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    texts.push(JSON.parse(body));
    response.end('{}');
  });
});

beforeAll(async () => {
  mailbox = await startMailbox();
  await new Promise<void>((resolve) => smsProvider.listen(0, '127.0.0.1', resolve));
  product = await startProduct({
    env: {
      SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
      SMS_WEBHOOK_URL: `http://127.0.0.1:${(smsProvider.address() as AddressInfo).port}/sms`,
      // A partner that leaves an order unpaid this long: the customer is told it may pay another way (R52).
      PAYMENT_REMINDER_MS: '1000',
    },
  });
  acme = product.people.acme.partnerId;
  // The partner wants no SMS and no email for things to do: the payment request comes on both anyway (R50).
  const patched = await product.call('acme', 'PATCH', `/v1/partners/${acme}`, {
    contact: { email: 'finance@acme.example', phone: '+86 138 0000 0009' },
    messageSettings: { actionNeeded: { email: false, sms: false } },
  });
  expect(patched.status).toBe(200);
});
afterAll(async () => {
  await product?.stop();
  await mailbox?.close();
  await new Promise<void>((resolve) => smsProvider.close(() => resolve()));
});

const order = (orderId: string, extra: Record<string, unknown> = {}) => ({ orderId, product: 'ECS c7.large, 1 year', amount: '1280.00', customer: { email: 'pay@qian.example' }, ...extra });
const types = (actions: Array<{ type: string }>) => actions.map((a) => a.type).sort();

describe('partner payment (伙伴支付) over the API, on the real Temporal server', () => {
  it('R50 a customer asks its partner to pay an order; the partner is told by SMS and email whatever its message settings', async () => {
    const started = await product.start('qian', 'partner-payment', order('ORD-R50'), { businessKey: 'ORD-R50' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.id;
    expect(started.body).toMatchObject({ partnerId: acme, label: { 'zh-CN': expect.stringMatching(/待伙伴支付|伙伴未支付/) } });
    expect(started.body.data.order).toEqual({ orderId: 'ORD-R50', product: 'ECS c7.large, 1 year', orderType: 'cloud-service', amount: '1280.00', currency: 'CNY' });

    const request = (await product.store.listOutbox({ processId: id })).filter((m) => m.seq === 0);
    expect(request.map((m) => [m.audience, m.channel, m.recipient]).sort()).toEqual([
      ['partner', 'email', 'finance@acme.example'],
      ['partner', 'sms', '+86 138 0000 0009'],
    ]);
    // Both really arrive, each once (R74).
    await eventually(
      async () => ({ mail: mailbox.inbox.filter((m) => m.to.includes('finance@acme.example')), sms: texts.filter((t) => t.idempotencyKey.startsWith(`${id}/0/`)) }),
      ({ mail, sms }) => mail.length === 1 && sms.length === 1,
    );
    expect(mailbox.inbox.find((m) => m.to.includes('finance@acme.example'))!.subject).toContain('请您支付订单ORD-R50');
    expect(texts.find((t) => t.idempotencyKey === `${id}/0/sms/+86 138 0000 0009`)!.text).toContain('选择了伙伴支付');

    const paid = await product.act('acme', id, { type: 'PAY' });
    expect(paid.body).toMatchObject({ state: 'paid.notInvoiced', label: { en: 'Paid by the partner', 'zh-CN': '伙伴已支付' } });
    expect(paid.body.data.partnerAnswer).toMatchObject({ answer: 'paid', by: product.people.acme.id });
  });

  it('R50 R72 only the customer starts it, only its partner pays, and other customers and partners do not see it', async () => {
    expect((await product.start('acme', 'partner-payment', order('ORD-P'), { businessKey: 'ORD-P' })).body.error.code).toBe('role_not_allowed');
    const id = (await product.start('qian', 'partner-payment', order('ORD-ISO'), { businessKey: 'ORD-ISO' })).body.id;
    expect((await product.view('sun', id)).status).toBe(404);
    expect((await product.view('globex', id)).status).toBe(404);
    expect((await product.act('globex', id, { type: 'PAY' })).status).toBe(404);
    expect((await product.act('qian', id, { type: 'PAY' })).body.error.code).toBe('role_not_allowed');
    // Another customer with the same order number names its own process, not this one.
    const other = await product.start('sun', 'partner-payment', order('ORD-ISO'), { businessKey: 'ORD-ISO' });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(id);
  });

  it('R51 partner payment is refused for a stored-value card (储值卡), and the refusal creates nothing', async () => {
    const refused = await product.start('qian', 'partner-payment', order('ORD-CARD', { orderType: 'stored-value-card' }), { businessKey: 'ORD-CARD' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'stored_value_card', reason: expect.stringContaining('储值卡') });
    const mine = await product.call('qian', 'GET', '/v1/processes?kind=partner-payment&limit=100');
    expect(mine.body.items.map((p: { data: { order: { orderId: string } } }) => p.data.order.orderId)).not.toContain('ORD-CARD');
    expect(mailbox.inbox.filter((m) => m.subject.includes('ORD-CARD'))).toEqual([]);
  });

  it('R51 once a VAT invoice (增值税发票) is issued the order can no longer be unsubscribed (退订); before it, unsubscribing refunds the partner', async () => {
    const invoiced = (await product.start('qian', 'partner-payment', order('ORD-VAT'), { businessKey: 'ORD-VAT' })).body.id;
    expect((await product.act('acme', invoiced, { type: 'PAY' })).status).toBe(200);
    expect((await product.act('acme', invoiced, { type: 'VAT_INVOICE_ISSUED', invoiceNumber: '044001900111' })).body.error.code).toBe('role_not_allowed');
    const issued = await product.act('system', invoiced, { type: 'VAT_INVOICE_ISSUED', invoiceNumber: '044001900111' });
    expect(issued.body).toMatchObject({ state: 'paid.invoiced', label: { 'zh-CN': '伙伴已支付，已开具增值税发票' } });
    expect(types((await product.view('qian', invoiced)).body.allowedActions)).toEqual([]);

    const before = await footprint(product, invoiced);
    const refused = await product.act('qian', invoiced, { type: 'UNSUBSCRIBE' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('vat_invoice_issued');
    expect(refused.body.error.reason).toMatch(/can no longer be unsubscribed: a VAT invoice \(增值税发票, no\. 044001900111\) was issued for it at .* \(GMT\+08:00\)/);
    expect(await footprint(product, invoiced)).toEqual(before);
    expect((await product.act('ops', invoiced, { type: 'CLOSE' })).body).toMatchObject({ state: 'closed', done: true });

    const notInvoiced = (await product.start('qian', 'partner-payment', order('ORD-UNSUB', { amount: '99.5' }), { businessKey: 'ORD-UNSUB' })).body.id;
    await product.act('acme', notInvoiced, { type: 'PAY' });
    expect(types((await product.view('qian', notInvoiced)).body.allowedActions)).toEqual(['UNSUBSCRIBE']);
    const unsubscribed = await product.act('qian', notInvoiced, { type: 'UNSUBSCRIBE', comment: 'Wrong region' });
    expect(unsubscribed.body).toMatchObject({ state: 'unsubscribed', done: true });
    expect(unsubscribed.body.data.unsubscribed.refund).toEqual({ destination: 'partner-account', partnerId: acme, amount: '99.5', currency: 'CNY' });
  });

  it('R52 an order the partner leaves unpaid: after the configured time the customer is told, and pays another way', async () => {
    const id = (await product.start('qian', 'partner-payment', order('ORD-LATE', { customer: { email: 'pay@qian.example', phone: '+86 139 0000 0002' } }), { businessKey: 'ORD-LATE' })).body.id;
    const reminded = await eventually(
      () => product.view('qian', id),
      (r) => r.body.state === 'unpaid',
    );
    expect(reminded.body).toMatchObject({ waitingFor: ['customer'], label: { 'zh-CN': '伙伴未支付，可选择其他支付方式' } });
    expect(reminded.body.records.at(-1)).toMatchObject({ event: 'paymentReminder', role: 'system', from: 'awaitingPartner', to: 'unpaid' });
    expect(types(reminded.body.allowedActions)).toEqual(['PAY_OTHER_WAY']);
    const told = (await product.store.listOutbox({ processId: id })).filter((m) => m.audience === 'customer');
    expect(told.map((m) => [m.channel, m.recipient]).sort()).toEqual([
      ['email', 'pay@qian.example'],
      ['sms', '+86 139 0000 0002'],
    ]);
    expect(told[0].body).toContain('您可以选择其他支付方式');

    const other = await product.act('qian', id, { type: 'PAY_OTHER_WAY', method: 'online' });
    expect(other.body).toMatchObject({ state: 'paidOtherWay', done: true, label: { 'zh-CN': '客户已选择其他支付方式' } });
    expect(other.body.data.paidOtherWay).toMatchObject({ method: 'online' });
    expect((await product.act('acme', id, { type: 'PAY' })).body.error.code).toBe('process_ended');
  });

  it('R52 a partner declining to pay lets the customer pay another way at once', async () => {
    const id = (await product.start('qian', 'partner-payment', order('ORD-NO'), { businessKey: 'ORD-NO' })).body.id;
    const declined = await product.act('acme', id, { type: 'DECLINE', comment: 'Not in our agreement' });
    // Unless the reminder came first, the decline is what moved it; either way the customer may now pay another way.
    expect(declined.body.state).toBe('unpaid');
    expect(types((await product.view('qian', id)).body.allowedActions)).toEqual(['PAY_OTHER_WAY']);
    expect((await product.act('qian', id, { type: 'PAY_OTHER_WAY' })).body.state).toBe('paidOtherWay');
  });
});
