import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, footprint } from './support/flows';
import { startProduct, type Person, type Product } from './support/product';

/** R65–R67 over the real API, worker and Temporal dev server; SMS go to a webhook this test runs. */

let product: Product;
let smsServer: http.Server;
const texts: Array<{ to: string; text: string }> = [];

beforeAll(async () => {
  smsServer = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      texts.push(JSON.parse(body));
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => smsServer.listen(0, '127.0.0.1', resolve));
  const { port } = smsServer.address() as { port: number };
  product = await startProduct({ env: { SMS_WEBHOOK_URL: `http://127.0.0.1:${port}/sms` } });
});
afterAll(async () => {
  await product?.stop();
  smsServer?.close();
});

const customerId = (name: string) => `${name}-${product.people.acme.partnerId}`.toLowerCase();
const create = (who: Person, input: Record<string, unknown>, businessKey = input.customerId as string) =>
  product.start(who, 'customer-creation', input, { businessKey });
/** The codes that reached the phone, once at least `count` have (the outbox's dispatcher sends them). */
const codeSentTo = (phone: string, count = 1) =>
  eventually(async () => texts.filter((t) => t.to === phone).map((t) => t.text.match(/code is (\d{6})/)![1]), (codes) => codes.length >= count);
const cloudAccountsOf = (requestId: string) => {
  const db = new SQLite(path.join(product.dataDir, 'cloud-accounts.sqlite'), { readonly: true });
  try {
    return db.prepare('select account_id from cloud_accounts where request_id = ?').all(requestId);
  } finally {
    db.close();
  }
};
/** The whole Temporal history of a process as text, payloads decoded. */
async function historyText(id: string) {
  const history = await product.client.temporal.workflow.getHandle(id).fetchHistory();
  return JSON.stringify(history, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('R66 creating a customer', () => {
  it('R66 creating a customer opens a cloud account and maps the customer to it', async () => {
    const id = customerId('plain');
    const started = await create('acme', { customerId: id, name: 'Plain Trading Co.' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    expect(started.body).toMatchObject({ kind: 'customer-creation', state: 'created', done: true });
    expect(started.body.label['zh-CN']).toContain('客户已创建');
    const account = started.body.data.cloudAccountId;
    expect(account).toMatch(/^hwc_/);
    expect(started.body.records.map((r: { event: string }) => r.event)).toEqual(['START', 'CLOUD_ACCOUNT_OPENED']);
    expect(started.body.records[1]).toMatchObject({ role: 'system', from: 'openingAccount', to: 'created' });

    const customer = await product.call('acme', 'GET', `/v1/customers/${id}`);
    expect(customer.status).toBe(200);
    expect(customer.body).toMatchObject({ id, partnerId: product.people.acme.partnerId, cloudAccountId: account, joinedVia: 'created', manager: null });
    expect((await product.call('acme', 'GET', '/v1/customers')).body.items.map((c: { id: string }) => c.id)).toContain(id);
  });

  it('R66 a retried creation never opens a second cloud account', async () => {
    const id = customerId('retry');
    const first = await create('acme', { customerId: id, name: 'Retry Ltd' });
    const again = await create('acme', { customerId: id, name: 'Retry Ltd' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.data.cloudAccountId).toBe(first.body.data.cloudAccountId);
    // Even a second process for the same account name (another business key) opens no second account.
    const other = await create('acme', { customerId: id, name: 'Retry Ltd' }, `${id}-again`);
    expect(other.status).toBe(201);
    expect(other.body).toMatchObject({ state: 'refused', done: true });
    expect(other.body.data.refusal).toMatch(/already taken/);
    expect(cloudAccountsOf(`customer:${product.people.acme.partnerId}/${id}`)).toHaveLength(1);
  });

  it('R66 R73 bad customer input is refused with a reason naming the field, and starts nothing', async () => {
    const bad = await create('acme', { customerId: 'X', name: 'Bad', phone: 'call me' }, 'bad-input');
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('invalid_input');
    expect(bad.body.error.reason).toMatch(/customerId/);
    expect(bad.body.error.reason).toMatch(/phone/);
    const manager = await create('mei', { customerId: customerId('by-manager'), name: 'Nope' });
    expect(manager.status).toBe(403);
  });

  it('R66 R72 the outcome of the process\'s own work cannot be sent from outside', async () => {
    const id = customerId('forged');
    const started = await create('acme', { customerId: id, name: 'Forged', phone: '+86 138 0000 0001' });
    const forged = await product.act('system', started.body.id, { type: 'CLOUD_ACCOUNT_OPENED', cloudAccountId: 'hwc_forged' });
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('reported_by_process');
  });

  it('R66 a phone number gets an SMS verification code, kept out of the history, the outbox and the view; the right code verifies it', async () => {
    const id = customerId('phone');
    const phone = '+86 138 0013 8000';
    const started = await create('acme', { customerId: id, name: 'Phone Co.', phone });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ state: 'verifyingPhone', done: false, waitingFor: ['customer'] });
    expect(started.body.data).toMatchObject({ codeSentTo: '+86*******8000', codesSent: 1 });
    expect(started.body.allowedActions.map((a: { type: string }) => a.type)).toEqual(['RESEND_CODE']);
    const [code] = await codeSentTo(phone);
    expect(code).toMatch(/^\d{6}$/);

    // Nowhere in clear but on the phone.
    expect(await historyText(started.body.id)).not.toContain(code);
    const outbox = await eventually(() => product.store.listOutbox({ processId: started.body.id }), (rows) => rows[0]?.status === 'sent');
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ channel: 'sms', status: 'sent' });
    expect(outbox[0].body).not.toContain(code);
    expect(JSON.stringify(await product.store.customers.getVerificationCode(started.body.id))).not.toContain(`"${code}"`);

    const wrongCode = code === '000000' ? '000001' : '000000';
    const before = await footprint(product, started.body.id);
    const wrong = await product.call('acme', 'POST', `/v1/customers/${id}/phone-verification`, { code: wrongCode });
    expect(wrong.status).toBe(409);
    expect(wrong.body.error).toMatchObject({ code: 'code_wrong' });
    expect(await footprint(product, started.body.id)).toEqual(before);
    expect((await product.call('acme', 'POST', `/v1/customers/${id}/phone-verification`, { code: '12ab' })).status).toBe(422);
    expect((await product.call('globex', 'POST', `/v1/customers/${id}/phone-verification`, { code })).status).toBe(404);

    const verified = await product.call('acme', 'POST', `/v1/customers/${id}/phone-verification`, { code });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toMatchObject({ id, phoneVerified: true });
    const view = await product.view('acme', started.body.id);
    expect(view.body).toMatchObject({ state: 'created', done: true, data: { phoneVerified: true } });
    expect(view.body.records.at(-1)).toMatchObject({ event: 'PHONE_VERIFIED', role: 'system' });
    expect(await historyText(started.body.id)).not.toContain(code);
    const again = await product.call('acme', 'POST', `/v1/customers/${id}/phone-verification`, { code });
    expect(again.body.error.code).toBe('no_code_pending');
  });

  it('R66 the partner sends a new code; the old one no longer works', async () => {
    const id = customerId('resend');
    const phone = '+86 139 0000 1234';
    const started = await create('acme', { customerId: id, name: 'Resend Co.', phone });
    const [old] = await codeSentTo(phone);
    const resent = await product.act('acme', started.body.id, { type: 'RESEND_CODE' });
    expect(resent.status).toBe(200);
    expect(resent.body.data.codesSent).toBe(2);
    const codes = await codeSentTo(phone, 2);
    expect(codes).toHaveLength(2);
    const fresh = codes[1];
    if (fresh !== old) expect((await product.call('acme', 'POST', `/v1/customers/${id}/phone-verification`, { code: old })).body.error.code).toBe('code_wrong');
    expect((await product.act('globex', started.body.id, { type: 'RESEND_CODE' })).status).toBe(404);
    const verified = await product.call('acme', 'POST', `/v1/customers/${id}/phone-verification`, { code: fresh });
    expect(verified.status).toBe(200);
  });

  it('R66 guesses at the SMS code are limited even when they arrive at once, and so are new codes', async () => {
    const id = customerId('guess');
    const phone = '+86 139 0000 5678';
    const started = await create('acme', { customerId: id, name: 'Guess Co.', phone });
    const [code] = await codeSentTo(phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const verify = (guess: string) => product.call('acme', 'POST', `/v1/customers/${id}/phone-verification`, { code: guess });
    const replies = await Promise.all(Array.from({ length: 12 }, () => verify(wrong)));
    const codes = replies.map((r) => r.body.error.code);
    expect(codes.filter((c) => c === 'code_wrong')).toHaveLength(5);
    expect(codes.filter((c) => c === 'too_many_attempts')).toHaveLength(7);
    // Now even the right code is refused until a new one is sent.
    expect((await verify(code)).body.error.code).toBe('too_many_attempts');
    for (let sent = 2; sent <= 5; sent++) expect((await product.act('acme', started.body.id, { type: 'RESEND_CODE' })).status).toBe(200);
    const flood = await product.act('acme', started.body.id, { type: 'RESEND_CODE' });
    expect(flood.status).toBe(409);
    expect(flood.body.error.code).toBe('too_many_codes');
    expect(await codeSentTo(phone, 5)).toHaveLength(5);
  });
});

describe('R65 customer managers', () => {
  it('R65 a customer who joins through a manager\'s invitation link belongs to that manager', async () => {
    const invited = await product.call('mei', 'POST', '/v1/invitations', { channel: 'link' });
    expect(invited.status).toBe(201);
    expect(invited.body).toMatchObject({ channel: 'link', managerId: product.people.mei.id, partnerId: product.people.acme.partnerId });
    const accepted = await product.call('hua', 'POST', invited.body.acceptPath);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const hua = product.people.hua.customerId;
    expect(accepted.body).toMatchObject({ id: hua, partnerId: product.people.acme.partnerId, joinedVia: 'invitation' });
    expect(accepted.body.manager).toMatchObject({ managerId: product.people.mei.id, via: 'invitation', until: null });

    expect((await product.call('mei', 'GET', '/v1/customers')).body.items.map((c: { id: string }) => c.id)).toContain(hua);
    expect((await product.call('acme', 'GET', '/v1/customers')).body.items.map((c: { id: string }) => c.id)).toContain(hua);
    // R72: another manager of the same partner does not see it.
    expect((await product.call('lan', 'GET', `/v1/customers/${hua}`)).status).toBe(404);
    expect((await product.call('lan', 'GET', '/v1/customers')).body.items.map((c: { id: string }) => c.id)).not.toContain(hua);
  });

  it('R65 invitations by email and QR code; an emailed invitation is for one customer', async () => {
    const qr = await product.call('lan', 'POST', '/v1/invitations', { channel: 'qr' });
    expect(qr.status).toBe(201);
    expect(qr.body.qrContent).toBe(qr.body.acceptPath);
    const email = await product.call('lan', 'POST', '/v1/invitations', { channel: 'email', email: 'sun@customer.example' });
    expect(email.status).toBe(201);
    const queued = await product.store.listOutbox({ recipient: 'sun@customer.example' });
    expect(queued).toHaveLength(1);
    expect(queued[0].body).toContain(email.body.acceptPath);
    expect((await product.call('lan', 'POST', '/v1/invitations', { channel: 'email' })).status).toBe(422);
    expect((await product.call('acme', 'POST', '/v1/invitations', { channel: 'link' })).body.error.code).toBe('role_not_allowed');

    const accepted = await product.call('lin', 'POST', email.body.acceptPath);
    expect(accepted.status).toBe(200);
    expect(accepted.body.manager).toMatchObject({ managerId: product.people.lan.id, via: 'invitation' });
    // A used emailed invitation is refused; a customer who has a manager is refused before an invitation is used up.
    expect((await product.call('hua', 'POST', email.body.acceptPath)).body.error.code).toBe('already_managed');
    const unused = await product.call('lan', 'POST', '/v1/invitations', { channel: 'email', email: 'later@customer.example' });
    expect((await product.call('hua', 'POST', unused.body.acceptPath)).body.error.code).toBe('already_managed');
    expect((await product.store.customers.getInvitation(unused.body.acceptPath.split('/').at(-2)))?.used_by).toBeNull();
    const globexLink = await product.call('kai', 'POST', '/v1/invitations', { channel: 'link' });
    const elsewhere = await product.call('hua', 'POST', globexLink.body.acceptPath);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.code).toBe('associated_with_another_partner');
    expect((await product.call('lin', 'POST', '/v1/invitations/nonsense/accept')).status).toBe(404);
  });

  it('R65 the partner assigns a manager, the assignment is recorded, and the manager sees consumption only for the managed period', async () => {
    const id = customerId('managed');
    await create('acme', { customerId: id, name: 'Managed Co.' });
    const refusedUnknown = await product.call('acme', 'PUT', `/v1/customers/${id}/manager`, { managerId: product.people.kai.id });
    expect(refusedUnknown.status).toBe(422);
    expect(refusedUnknown.body.error.code).toBe('unknown_manager');
    expect((await product.call('mei', 'PUT', `/v1/customers/${id}/manager`, { managerId: product.people.mei.id })).status).toBe(404);
    expect((await product.call('globex', 'PUT', `/v1/customers/${id}/manager`, { managerId: product.people.kai.id })).status).toBe(404);

    const toMei = await product.call('acme', 'PUT', `/v1/customers/${id}/manager`, { managerId: product.people.mei.id, note: 'Key account' });
    expect(toMei.status).toBe(200);
    expect(toMei.body.changed).toBe(true);
    const meiSince = toMei.body.manager.since as string;
    expect((await product.call('acme', 'PUT', `/v1/customers/${id}/manager`, { managerId: product.people.mei.id })).body.changed).toBe(false);
    await sleep(60);
    const toLan = await product.call('acme', 'PUT', `/v1/customers/${id}/manager`, { managerId: product.people.lan.id });
    const lanSince = toLan.body.manager.since as string;
    expect(toLan.body.managers).toEqual([
      expect.objectContaining({ managerId: product.people.mei.id, via: 'assignment', assignedBy: product.people.acme.id, note: 'Key account', until: lanSince, endedBy: product.people.acme.id }),
      expect.objectContaining({ managerId: product.people.lan.id, via: 'assignment', assignedBy: product.people.acme.id, until: null }),
    ]);
    await sleep(30);

    // The billing export: one record before any manager, one in mei's period, one in lan's.
    const at = (iso: string, deltaMs: number) => new Date(Date.parse(iso) + deltaMs).toISOString();
    fs.writeFileSync(
      path.join(product.dataDir, 'consumption.json'),
      JSON.stringify([
        { customerId: id, at: at(meiSince, -1), product: 'ECS', amount: 100 },
        { customerId: id, at: at(meiSince, 10), product: 'OBS', amount: 20.5 },
        { customerId: id, at: at(lanSince, 5), product: 'RDS', amount: 7 },
        { customerId: 'someone-else', at: at(lanSince, 5), product: 'ECS', amount: 999 },
      ]),
    );
    const forMei = await product.call('mei', 'GET', `/v1/customers/${id}/consumption`);
    expect(forMei.status).toBe(200);
    expect(forMei.body.items.map((i: { product: string }) => i.product)).toEqual(['OBS']);
    expect(forMei.body.totals).toEqual({ CNY: 20.5 });
    expect(forMei.body.periods).toEqual([expect.objectContaining({ from: meiSince, to: lanSince })]);
    expect(forMei.body.items[0].atLocal).toMatch(/\+08:00$/);
    // mei no longer manages it: not in her list, but her period stays readable.
    expect((await product.call('mei', 'GET', '/v1/customers')).body.items.map((c: { id: string }) => c.id)).not.toContain(id);
    expect((await product.call('mei', 'GET', `/v1/customers/${id}`)).body.managers).toHaveLength(1);
    expect((await product.call('lan', 'GET', `/v1/customers/${id}/consumption`)).body.items.map((i: { product: string }) => i.product)).toEqual(['RDS']);
    // The partner sees the whole association (the customer was created just before mei's period).
    expect((await product.call('acme', 'GET', `/v1/customers/${id}/consumption`)).body.items).toHaveLength(3);
    expect((await product.call('kai', 'GET', `/v1/customers/${id}/consumption`)).status).toBe(404);
    expect((await product.call('globex', 'GET', `/v1/customers/${id}/consumption`)).status).toBe(404);
    expect((await product.call('mei', 'GET', `/v1/customers/${id}/consumption?from=yesterday`)).status).toBe(400);
  });
});

describe('R67 sales-expansion tasks', () => {
  it('R67 a reseller\'s sub-customer tasks are handled by its master distributor; the reseller views them and their records', async () => {
    const { reseller, distributor } = product.people;
    expect((await product.call('acme', 'PUT', `/v1/partners/${reseller.partnerId}/distributor`, { distributorId: distributor.partnerId })).status).toBe(403);
    const related = await product.call('ops', 'PUT', `/v1/partners/${reseller.partnerId}/distributor`, { distributorId: distributor.partnerId });
    expect(related.status).toBe(200);
    expect((await product.call('ops', 'PUT', `/v1/partners/${product.people.globex.partnerId}/distributor`, { distributorId: reseller.partnerId })).body.error.code).toBe(
      'distributor_is_reseller',
    );
    // One level only: a master distributor does not become someone's reseller either.
    expect((await product.call('ops', 'PUT', `/v1/partners/${distributor.partnerId}/distributor`, { distributorId: product.people.globex.partnerId })).body.error.code).toBe(
      'reseller_is_distributor',
    );

    const sub = `sub-${reseller.partnerId}`;
    expect((await product.start('reseller', 'customer-creation', { customerId: sub, name: 'Sub Customer' }, { businessKey: sub })).body.state).toBe('created');
    const created = await product.call('system', 'POST', '/v1/sales-tasks', { partnerId: reseller.partnerId, customerId: sub, strategy: 'renewal', title: 'Renew ECS before expiry' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ handlerPartnerId: distributor.partnerId, handledByDistributor: true, status: 'open', strategyLabel: { 'zh-CN': '到期续费' } });
    const taskId = created.body.id;

    const refused = await product.call('reseller', 'POST', `/v1/sales-tasks/${taskId}/records`, { action: 'start' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('handled_by_distributor');
    expect((await product.call('distributor', 'POST', `/v1/sales-tasks/${taskId}/records`, { action: 'start' })).body.status).toBe('inProgress');
    expect((await product.call('distributor', 'POST', `/v1/sales-tasks/${taskId}/records`, { action: 'note', note: 'Called the customer' })).status).toBe(200);
    expect((await product.call('distributor', 'POST', `/v1/sales-tasks/${taskId}/records`, { action: 'complete' })).body.status).toBe('done');
    const late = await product.call('distributor', 'POST', `/v1/sales-tasks/${taskId}/records`, { action: 'complete' });
    expect(late.status).toBe(409);

    const seen = await product.call('reseller', 'GET', `/v1/sales-tasks/${taskId}`);
    expect(seen.status).toBe(200);
    expect(seen.body.records.map((r: { action: string }) => r.action)).toEqual(['create', 'start', 'note', 'complete']);
    expect(seen.body.records[2]).toMatchObject({ actor: distributor.id, note: 'Called the customer' });
    expect((await product.call('reseller', 'GET', '/v1/sales-tasks')).body.items.map((t: { id: string }) => t.id)).toContain(taskId);
    expect((await product.call('distributor', 'GET', '/v1/sales-tasks')).body.items.map((t: { id: string }) => t.id)).toContain(taskId);
  });

  it('R67 a task without a sub-customer is the partner\'s own; bad tasks are refused', async () => {
    const { reseller } = product.people;
    const own = await product.call('ops', 'POST', '/v1/sales-tasks', { partnerId: reseller.partnerId, strategy: 'lead-mining', title: 'Leads from the expo' });
    expect(own.body).toMatchObject({ handlerPartnerId: reseller.partnerId, handledByDistributor: false });
    expect((await product.call('reseller', 'POST', `/v1/sales-tasks/${own.body.id}/records`, { action: 'close' })).body.status).toBe('closed');
    expect((await product.call('ops', 'POST', '/v1/sales-tasks', { partnerId: reseller.partnerId, strategy: 'cold-calling', title: 'x' })).status).toBe(422);
    const foreign = await product.call('ops', 'POST', '/v1/sales-tasks', { partnerId: reseller.partnerId, customerId: 'nobody', strategy: 'cross-sell', title: 'x' });
    expect(foreign.body.error.code).toBe('unknown_customer');
    expect((await product.call('acme', 'POST', '/v1/sales-tasks', { partnerId: reseller.partnerId, strategy: 'renewal', title: 'x' })).status).toBe(403);
  });
});

describe('R72 nobody sees what is not theirs', () => {
  it('R72 R65 R67 other partners, other managers and other customers get 404 for customers and tasks that are not theirs', async () => {
    const id = customerId('private');
    await create('acme', { customerId: id, name: 'Private Co.' });
    await product.call('acme', 'PUT', `/v1/customers/${id}/manager`, { managerId: product.people.mei.id });
    const task = await product.call('system', 'POST', '/v1/sales-tasks', { partnerId: product.people.acme.partnerId, customerId: id, strategy: 'cross-sell', title: 'Offer OBS' });
    expect(task.body.handlerPartnerId).toBe(product.people.acme.partnerId);

    expect((await product.call('globex', 'GET', `/v1/customers/${id}`)).status).toBe(404);
    expect((await product.call('kai', 'GET', `/v1/customers/${id}`)).status).toBe(404);
    expect((await product.call('lan', 'GET', `/v1/customers/${id}`)).status).toBe(404);
    expect((await product.call('hua', 'GET', `/v1/customers/${id}`)).status).toBe(404);
    expect((await product.call('globex', 'GET', '/v1/customers')).body.items.map((c: { id: string }) => c.id)).not.toContain(id);
    expect((await product.call('hua', 'GET', '/v1/customers')).status).toBe(403);

    expect((await product.call('mei', 'GET', `/v1/sales-tasks/${task.body.id}`)).status).toBe(200);
    expect((await product.call('lan', 'GET', `/v1/sales-tasks/${task.body.id}`)).status).toBe(404);
    expect((await product.call('reseller', 'GET', `/v1/sales-tasks/${task.body.id}`)).status).toBe(404);
    expect((await product.call('distributor', 'GET', '/v1/sales-tasks')).body.items.map((t: { id: string }) => t.id)).not.toContain(task.body.id);
    expect((await product.call('mei', 'POST', `/v1/sales-tasks/${task.body.id}/records`, { action: 'start' })).status).toBe(403);
    // The creation process is the partner's: a manager or customer cannot read it.
    const processId = (await product.store.customers.getCustomer(product.people.acme.partnerId, id))!.creationProcessId!;
    expect((await product.view('mei', processId)).status).toBe(404);
    expect((await product.view('globex', processId)).status).toBe(404);
    await eventually(() => product.view('acme', processId), (r) => r.status === 200);
  });
});
