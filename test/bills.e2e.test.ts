import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billScheduleIdFor, ensureBillSchedule } from '../billing/schedule';
import type { PartnerAccount } from '../billing/source';
import { main as cli } from '../cli/main';
import { billPeriodAt } from '../machines/billPeriod';
import { toBeijingTime } from '../machines/time';
import { makeBillingDir, writeAccount } from './support/bills';
import { eventually, footprint } from './support/flows';
import { startMailbox } from './support/mailbox';
import { startProduct, type Product } from './support/product';

let product: Product;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let billingDir: string;
let acme: string;
let globex: string;

/** 2026-06-05 02:00 GMT+08:00: when the schedule's run for the May bills happens. */
const mayRun = '2026-06-04T18:00:00.000Z';
const billOf = (partnerId: string, month = '2026-05') => `partner-bill:${partnerId}:${month}`;
const path = (id: string) => `/v1/processes/${encodeURIComponent(id)}`;

/** The status of a GET as `who` (the invoice list answers HTML, not JSON). */
const statusOf = async (who: keyof Product['people'], route: string) =>
  (await fetch(product.url + route, { headers: { authorization: `Bearer ${product.people[who].key}` } })).status;

const usage = (day: string, recordedAt: string, amountCents: number, service = 'ECS') => ({ customerId: 'cust-001', service, day, recordedAt, amountCents });

beforeAll(async () => {
  mailbox = await startMailbox();
  billingDir = makeBillingDir();
  product = await startProduct({
    env: { BILLING_SOURCE_DIR: billingDir, SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`, PUBLIC_URL: 'https://partners.example' },
  });
  acme = product.people.acme.partnerId;
  globex = product.people.globex.partnerId;
  const accounts: PartnerAccount[] = [
    {
      partnerId: acme,
      currency: 'CNY',
      usage: [
        usage('2026-05-03', '2026-05-04T02:00:00Z', 451_250),
        usage('2026-05-31', '2026-06-04T15:00:00Z', 120_075, 'RDS'), // recorded 23:00 on the 4th: counted
        usage('2026-05-31', '2026-06-04T16:30:00Z', 999_999, 'RDS'), // recorded 00:30 on the 5th: after the cut-off
        usage('2026-04-30', '2026-05-01T02:00:00Z', 320_000), // April
      ],
      balances: { cashCents: 5_000_000, owedInvoicesCents: 300_000, unpostedCents: 120_000 },
      subUsers: [
        { customerId: 'cust-002', arrearsCents: 45_000 },
        { customerId: 'cust-003', arrearsCents: 30_000 },
      ],
      incentives: [
        { month: '2026-05', item: '解决方案激励 Solution incentive', amountCents: 210_000 },
        { month: '2026-05', item: 'New-customer <script>alert("x")</script> & co', amountCents: 50_000 },
        { month: '2026-04', item: 'April incentive', amountCents: 1 },
      ],
    },
    {
      partnerId: globex,
      currency: 'CNY',
      usage: [usage('2026-05-20', '2026-05-21T02:00:00Z', 99_900)],
      balances: { cashCents: 100_000, owedInvoicesCents: 150_000, unpostedCents: 0 },
      subUsers: [],
      incentives: [],
    },
  ];
  for (const account of accounts) writeAccount(billingDir, account);
  await product.call('acme', 'PATCH', `/v1/partners/${acme}`, { companyName: 'Acme <Cloud> Ltd', contact: { email: 'billing@acme.example' } });
  await product.call('globex', 'PATCH', `/v1/partners/${globex}`, { contact: { email: 'billing@globex.example' } });
});

afterAll(async () => {
  await product?.client.temporal.schedule.getHandle(billScheduleIdFor(product.config.TASK_QUEUE)).delete().catch(() => undefined);
  await product?.stop();
  await mailbox?.close();
  fs.rmSync(billingDir, { recursive: true, force: true });
});

const runBilling = (asOf: string, runId: string) =>
  product.client.temporal.workflow.execute('generatePartnerBills', {
    taskQueue: product.config.TASK_QUEUE,
    workflowId: `billing-run-${runId}-${product.config.TASK_QUEUE}`,
    args: [{ asOf }],
  }) as Promise<{ month: string; issued: string[]; existing: string[] }>;

describe('partner bills on the real Temporal server', () => {
  it('R60 the partner-bills schedule fires at 02:00 GMT+08:00 on the 5th of every month, before 12:00; creating it again changes nothing', async () => {
    const temporal = product.client.temporal;
    expect(await ensureBillSchedule(temporal, product.config.TASK_QUEUE)).toMatchObject({ created: true });
    expect(await ensureBillSchedule(temporal, product.config.TASK_QUEUE)).toMatchObject({ created: false });
    const described = await temporal.schedule.getHandle(billScheduleIdFor(product.config.TASK_QUEUE)).describe();
    expect(described.spec.timezone).toBe('Asia/Shanghai');
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'generatePartnerBills', taskQueue: product.config.TASK_QUEUE });
    const next = described.info.nextActionTimes.map((t) => toBeijingTime(t.toISOString()));
    expect(next.length).toBeGreaterThanOrEqual(3);
    for (const local of next) expect(local).toMatch(/^\d{4}-\d{2}-05T02:00:00\.000\+08:00$/);
    // One a month, in consecutive months.
    const months = next.map((local) => Number(local.slice(0, 4)) * 12 + Number(local.slice(5, 7)));
    for (let i = 1; i < months.length; i++) expect(months[i] - months[i - 1]).toBe(1);
  });

  it('R60 the billing run bills the previous month with usage recorded up to 24:00 of the previous day; a rerun makes no second bill', async () => {
    const first = await runBilling(mayRun, 'first');
    expect(first.month).toBe('2026-05');
    expect(first.issued.sort()).toEqual([billOf(acme), billOf(globex)].sort());

    const view = await product.view('acme', billOf(acme));
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ kind: 'partner-bill', partnerId: acme, businessKey: '2026-05', state: 'generated', waitingFor: ['partner'] });
    expect(view.body.label).toEqual({ en: '2026-05: Bill generated: waiting for the partner to confirm it', 'zh-CN': '2026-05：账单已生成：待伙伴确认' });
    const bill = view.body.data.bill;
    expect(toBeijingTime(bill.dataCutoff)).toBe('2026-06-05T00:00:00.000+08:00');
    expect(toBeijingTime(bill.dueBy)).toBe('2026-06-05T12:00:00.000+08:00');
    expect(bill.usage).toEqual({
      totalCents: 571_325,
      lineCount: 2,
      recordedAfterCutoff: 1,
      byService: [
        { service: 'ECS', amountCents: 451_250 },
        { service: 'RDS', amountCents: 120_075 },
      ],
    });
    expect(view.body.records[0]).toMatchObject({ event: 'START', actor: 'billing-run', role: 'system', to: 'generated' });
    expect(view.body.allowedActions.map((a: { type: string }) => a.type).sort()).toEqual(['CONFIRM', 'DISPUTE']);

    // The billing source changes, the run is repeated: the bill stays the one issued.
    const before = await footprint(product, billOf(acme));
    writeAccount(billingDir, { ...JSON.parse(fs.readFileSync(`${billingDir}/partners/${acme}.json`, 'utf8')), usage: [] });
    const again = await runBilling(mayRun, 'again');
    expect(again.issued).toEqual([]);
    expect(again.existing.sort()).toEqual([billOf(acme), billOf(globex)].sort());
    expect(await footprint(product, billOf(acme))).toEqual(before);
    expect((await product.view('acme', billOf(acme))).body.data.bill.usage.totalCents).toBe(571_325);
    const listed = await product.call('acme', 'GET', `/v1/processes?kind=partner-bill`);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([billOf(acme)]);
  });

  it('R60 triggering the schedule runs the billing run for the month before now', async () => {
    const handle = product.client.temporal.schedule.getHandle(billScheduleIdFor(product.config.TASK_QUEUE));
    await handle.trigger();
    const month = billPeriodAt(new Date().toISOString()).month;
    const row = await eventually(() => product.store.getProcess(billOf(acme, month)), (r) => r !== null && r.version >= 0, 30_000);
    expect(row).toMatchObject({ kind: 'partner-bill', partnerId: acme, state: 'generated' });
    expect((await handle.describe()).info.recentActions.length).toBeGreaterThan(0);
  });

  it('R60 ops run a month\'s bills again through the API and the CLI, audited; bills already issued stay; a partner or a month not yet run is refused', async () => {
    // Refusals change nothing: no run, no audit row.
    const byPartner = await product.call('acme', 'POST', '/v1/bills/runs', { month: '2026-03', reason: 'rerun please' });
    expect(byPartner.status).toBe(403);
    expect(byPartner.body.error.code).toBe('role_not_allowed');
    const future = billPeriodAt(new Date(Date.now() + 62 * 86_400_000).toISOString()).month;
    const early = await product.call('ops', 'POST', '/v1/bills/runs', { month: future, reason: 'too early' });
    expect(early.status).toBe(422);
    expect(early.body.error).toMatchObject({ code: 'month_not_billed_yet' });
    expect(early.body.error.reason).toContain(`${future} bills are first run on`);
    const malformed = await product.call('ops', 'POST', '/v1/bills/runs', { month: '2026-13', reason: 'bad month' });
    expect(malformed.status).toBe(422);
    expect(malformed.body.error.reason).toContain('month');
    const noReason = await product.call('ops', 'POST', '/v1/bills/runs', { month: '2026-03' });
    expect(noReason.status).toBe(422);
    expect((await product.call('ops', 'GET', '/v1/repairs?processId=partner-bills:2026-03')).body.items).toEqual([]);
    expect(await product.store.getProcess(billOf(acme, '2026-03'))).toBeNull();

    const run = await product.call('ops', 'POST', '/v1/bills/runs', { month: '2026-03', reason: 'billing source fixed for March' });
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ processId: 'partner-bills:2026-03', action: 'bill-run', outcome: 'done', actorId: 'ops', actorRole: 'ops', detail: { month: '2026-03' } });
    expect(run.body.runId).toEqual(expect.any(String));
    // The run the engine took bills March (asOf its own schedule time), sealed and on the product's task queue.
    const row = await eventually(() => product.store.getProcess(billOf(acme, '2026-03')), (r) => r !== null && r.version >= 0, 30_000);
    expect(row).toMatchObject({ kind: 'partner-bill', state: 'generated' });
    expect((row!.context as { bill: { dataCutoff: string } }).bill.dataCutoff).toBe(billPeriodAt('2026-04-04T18:00:00.000Z').dataCutoff);
    const before = await footprint(product, billOf(acme, '2026-03'));

    // Again through the CLI: the bill already issued stays as it was, and the audit lists both runs, newest first.
    const lines: string[] = [];
    expect(await cli(['bills-run', '2026-03', '--reason', 'once more', '--json'], (text) => lines.push(text), { PARTNERFLOW_URL: product.url, PARTNERFLOW_KEY: product.people.ops.key })).toBe(0);
    expect(JSON.parse(lines.join(''))).toMatchObject({ action: 'bill-run', reason: 'once more', outcome: 'done' });
    await product.client.temporal.workflow.getHandle(`partner-bills-rerun:${product.config.TASK_QUEUE}:2026-03`).result();
    expect(await footprint(product, billOf(acme, '2026-03'))).toEqual(before);
    const audit = await product.call('ops', 'GET', '/v1/repairs?processId=partner-bills:2026-03');
    expect(audit.body.items.map((r: { reason: string }) => r.reason)).toEqual(['once more', 'billing source fixed for March']);
  });

  it('R60 only the billing run issues bills: a partner cannot start one', async () => {
    const refused = await product.start('acme', 'partner-bill', {}, { businessKey: '2026-05' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('role_not_allowed');
  });

  it('R61 the withdrawable amount is cash − owed invoices − unposted − sub-users’ total arrears, with every part shown', async () => {
    const { data } = (await product.view('acme', billOf(acme))).body;
    expect(data.withdrawable).toMatchObject({
      cashCents: 5_000_000,
      owedInvoicesCents: 300_000,
      unpostedCents: 120_000,
      subUserArrearsCents: 75_000,
      withdrawableCents: 4_505_000,
    });
    expect(data.withdrawable.formula['zh-CN']).toBe('可提现金额=现金金额-欠票金额-未入账金额-子用户欠费总额');
    expect(data.bill.subUsers).toEqual([
      { customerId: 'cust-002', arrearsCents: 45_000 },
      { customerId: 'cust-003', arrearsCents: 30_000 },
    ]);

    const now = await product.call('acme', 'GET', `/v1/partners/${acme}/withdrawable`);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ partnerId: acme, currency: 'CNY', withdrawableCents: 4_505_000, subUserArrearsCents: 75_000 });
    expect(now.body.asOfLocal).toMatch(/\+08:00$/);
    // Deductions above the cash leave nothing to withdraw.
    expect((await product.call('globex', 'GET', `/v1/partners/${globex}/withdrawable`)).body).toMatchObject({ withdrawableCents: 0, owedInvoicesCents: 150_000 });
    // Another partner's money is not visible; staff see it.
    expect((await product.call('globex', 'GET', `/v1/partners/${acme}/withdrawable`)).status).toBe(404);
    expect((await product.call('ops', 'GET', `/v1/partners/${acme}/withdrawable`)).status).toBe(200);
  });

  it('R62 applying for the incentive payout emails the invoice notice and issues a printable invoice list', async () => {
    const id = billOf(acme);
    const early = await product.call('acme', 'GET', `${path(id)}/invoice-list`);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('invoice_list_not_issued');

    expect((await product.act('acme', id, { type: 'CONFIRM' })).body.state).toBe('confirmed');
    const applied = await product.act('acme', id, { type: 'APPLY_INCENTIVE_PAYOUT' });
    expect(applied.status).toBe(200);
    expect(applied.body.state).toBe('invoicing');
    expect(applied.body.data.incentiveApplication).toMatchObject({ invoiceListNo: `KP-${acme}-2026-05`, invoiceListPath: `${path(id)}/invoice-list` });

    // The invoice-notification email arrives over real SMTP, linking to the invoice list.
    const notice = await eventually(
      async () => mailbox.inbox.find((m) => m.subject.startsWith('Invoice notice')),
      (m) => m !== undefined,
      30_000,
    );
    expect(notice!.to).toEqual(['billing@acme.example']);
    expect(notice!.subject).toBe('Invoice notice: incentive for 2026-05, ¥2,600.00 / 开票通知：2026-05 激励 ¥2,600.00');
    const queued = (await product.store.listOutbox({ processId: id })).find((m) => m.subject.startsWith('Invoice notice'))!;
    expect(queued.body).toContain(`Link / 链接: https://partners.example${path(id)}/invoice-list`);
    expect(queued.body).toContain('线下开具增值税专用发票');

    // The list itself: HTML a person prints, everything escaped.
    const response = await fetch(`${product.url}${path(id)}/invoice-list`, { headers: { authorization: `Bearer ${product.people.acme.key}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8/);
    const html = await response.text();
    expect(html).toContain('开票清单');
    expect(html).toContain(`KP-${acme}-2026-05`);
    expect(html).toContain('解决方案激励 Solution incentive');
    expect(html).toContain('New-customer &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    // One script, the print button's, which the page's policy allows by its hash; nothing inline else can run.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).toHaveLength(1);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain(`script-src 'sha256-${createHash('sha256').update(scripts[0]).digest('base64')}'`);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(html).toContain('Acme &lt;Cloud&gt; Ltd');
    expect(html).toContain('¥2,600.00');
    expect(html).not.toContain('April incentive');
    expect(html).toContain('@media print');

    // Only the partner itself and staff see it.
    expect(await statusOf('globex', `${path(id)}/invoice-list`)).toBe(404);
    expect(await statusOf('li', `${path(id)}/invoice-list`)).toBe(200);
    expect(await statusOf('li', `${path('nre-milestones:x:y')}/invoice-list`)).toBe(404);

    // The partner's invoice arrives offline; ops record it and the bill ends.
    expect((await product.act('acme', id, { type: 'RECEIVE_INVOICE', invoiceNumber: 'FP-1' })).status).toBe(403);
    expect((await product.act('ops', id, { type: 'RECEIVE_INVOICE', invoiceNumber: '' })).status).toBe(422);
    const received = await product.act('ops', id, { type: 'RECEIVE_INVOICE', invoiceNumber: '044031900111-00123456' });
    expect(received.body).toMatchObject({ state: 'invoiceReceived', done: true });
    expect(received.body.data.invoice.number).toBe('044031900111-00123456');
    // The list stays viewable from the application's records.
    expect(await statusOf('acme', `${path(id)}/invoice-list`)).toBe(200);
  });

  it('R60 a partner disputes its bill, a reviewer answers, the partner confirms; a month without incentive then ends', async () => {
    const id = billOf(globex);
    expect((await product.act('acme', id, { type: 'CONFIRM' })).status).toBe(404);
    const disputed = await product.act('globex', id, { type: 'DISPUTE', comment: 'The ECS usage on 05-20 is not ours' });
    expect(disputed.body).toMatchObject({ state: 'disputed', waitingFor: ['reviewer'] });
    expect((await product.act('globex', id, { type: 'CONFIRM' })).status).toBe(409);
    const answered = await product.act('li', id, { type: 'ANSWER_DISPUTE', comment: 'It is your sub-user cust-001' });
    expect(answered.body.state).toBe('generated');
    expect(answered.body.data.dispute).toMatchObject({ comment: 'The ECS usage on 05-20 is not ours', answer: 'It is your sub-user cust-001' });
    const confirmed = await product.act('globex', id, { type: 'CONFIRM' });
    expect(confirmed.body).toMatchObject({ state: 'closed', done: true });
    expect(await statusOf('globex', `${path(id)}/invoice-list`)).toBe(409);
  });
});
