import { describe, expect, it } from 'vitest';
import { billFigures } from '../billing/compute';
import { fileBillingSource } from '../billing/fileSource';
import type { PartnerAccount } from '../billing/source';
import { billPeriodAt } from '../machines/billPeriod';
import { formatCny, withdrawable } from '../machines/money';
import { partnerBill } from '../machines/partnerBill';
import { labelOf } from '../machines/policy';
import { toBeijingTime } from '../machines/time';
import { makeBillingDir, sampleFigures, writeAccount } from './support/bills';
import { actors, drive } from './support/machine';

const account = (overrides: Partial<PartnerAccount> = {}): PartnerAccount => ({
  partnerId: 'acme',
  currency: 'CNY',
  usage: [],
  balances: { cashCents: 0, owedInvoicesCents: 0, unpostedCents: 0 },
  subUsers: [],
  incentives: [],
  ...overrides,
});

describe('bill periods and figures', () => {
  it('R60 a run on the 5th bills the previous month, counting usage recorded before 24:00 GMT+08:00 of the 4th, due by 12:00 on the 5th', () => {
    const period = billPeriodAt('2026-06-04T18:00:00.000Z'); // 2026-06-05 02:00 in Beijing
    expect(period.month).toBe('2026-05');
    expect(toBeijingTime(period.from)).toBe('2026-05-01T00:00:00.000+08:00');
    expect(toBeijingTime(period.to)).toBe('2026-06-01T00:00:00.000+08:00');
    expect(toBeijingTime(period.dataCutoff)).toBe('2026-06-05T00:00:00.000+08:00');
    expect(toBeijingTime(period.dueBy)).toBe('2026-06-05T12:00:00.000+08:00');
    // In UTC it is still the 4th, and in January the previous month is last year's December.
    expect(billPeriodAt('2027-01-04T20:00:00.000Z').month).toBe('2026-12');
    expect(billPeriodAt('2026-12-31T16:30:00.000Z').month).toBe('2026-12');
  });

  it('R60 a bill counts the billed month’s usage recorded before the cut-off; later records wait for the usage details', () => {
    const figures = billFigures(
      account({
        usage: [
          { customerId: 'c1', service: 'ECS', day: '2026-05-31', recordedAt: '2026-06-04T15:59:59Z', amountCents: 1000 },
          { customerId: 'c1', service: 'ECS', day: '2026-05-30', recordedAt: '2026-06-04T16:00:00Z', amountCents: 7000 },
          { customerId: 'c2', service: 'OBS', day: '2026-05-01', recordedAt: '2026-05-02T01:00:00Z', amountCents: 250 },
          { customerId: 'c2', service: 'OBS', day: '2026-04-30', recordedAt: '2026-05-01T01:00:00Z', amountCents: 90000 },
          { customerId: 'c2', service: 'OBS', day: '2026-06-01', recordedAt: '2026-06-02T01:00:00Z', amountCents: 90000 },
        ],
        incentives: [
          { month: '2026-05', item: 'A', amountCents: 10 },
          { month: '2026-04', item: 'B', amountCents: 20 },
        ],
        subUsers: [{ customerId: 'c1', arrearsCents: 0 }, { customerId: 'c2', arrearsCents: 300 }],
      }),
      sampleFigures().invoiceTo,
      billPeriodAt('2026-06-04T18:00:00.000Z'),
      '2026-06-04T18:00:00.000Z',
    );
    expect(figures.usage).toEqual({ totalCents: 1250, lineCount: 2, recordedAfterCutoff: 1, byService: [{ service: 'ECS', amountCents: 1000 }, { service: 'OBS', amountCents: 250 }] });
    expect(figures.incentives).toEqual([{ item: 'A', amountCents: 10 }]);
    expect(figures.subUsers).toEqual([{ customerId: 'c2', arrearsCents: 300 }]);
    expect(partnerBill.input.safeParse(figures).success).toBe(true);
  });
});

describe('withdrawable amount', () => {
  it('R61 withdrawable = cash − owed invoices − unposted − sub-users’ total arrears, each part shown, never below zero', () => {
    const w = withdrawable({ cashCents: 5_000_000, owedInvoicesCents: 300_000, unpostedCents: 120_000 }, [{ arrearsCents: 45_000 }, { arrearsCents: 30_000 }]);
    expect(w).toMatchObject({ cashCents: 5_000_000, owedInvoicesCents: 300_000, unpostedCents: 120_000, subUserArrearsCents: 75_000, withdrawableCents: 4_505_000 });
    expect(w.formula['zh-CN']).toBe('可提现金额=现金金额-欠票金额-未入账金额-子用户欠费总额');
    expect(withdrawable({ cashCents: 100, owedInvoicesCents: 200, unpostedCents: 0 }, []).withdrawableCents).toBe(0);
    expect(formatCny(4_505_000)).toBe('¥45,050.00');
    expect(formatCny(5)).toBe('¥0.05');
  });
});

describe('the file-backed billing source', () => {
  it('R61 reads accounts from BILLING_SOURCE_DIR and names the file and field when one is malformed', async () => {
    const dir = makeBillingDir();
    writeAccount(dir, account({ partnerId: 'acme', balances: { cashCents: 1, owedInvoicesCents: 0, unpostedCents: 0 } }));
    const source = fileBillingSource(dir);
    expect(await source.partners()).toEqual(['acme']);
    expect((await source.account('acme'))?.balances.cashCents).toBe(1);
    expect(await source.account('nobody')).toBeNull();
    expect(await source.account('../vendor')).toBeNull();
    expect((await source.invoiceTo()).invoiceType['zh-CN']).toBe('增值税专用发票');
    writeAccount(dir, { ...account({ partnerId: 'broken' }), balances: { cashCents: -5 } } as unknown as PartnerAccount);
    await expect(source.account('broken')).rejects.toThrow(/broken\.json is invalid: balances\.cashCents/);
  });

  it('R60 the shipped fixtures bill the development partners', async () => {
    const source = fileBillingSource();
    expect(await source.partners()).toEqual(expect.arrayContaining(['acme', 'globex']));
    expect((await source.account('acme'))?.incentives.length).toBeGreaterThan(0);
  });
});

describe('partner-bill machine', () => {
  it('R62 confirm, apply for the incentive payout (invoice notice with the invoice list link), invoice received', () => {
    const p = drive(partnerBill, sampleFigures());
    expect(p.snapshot.value).toBe('generated');
    expect(p.last.notifications[0]).toMatchObject({ audience: 'partner', topic: 'actionNeeded' });
    expect(p.send(actors.partner, { type: 'APPLY_INCENTIVE_PAYOUT' })).toMatchObject({ ok: false, refusal: { status: 409, code: 'not_allowed_in_state' } });
    expect(p.send(actors.partner, { type: 'CONFIRM' }).ok).toBe(true);
    expect(p.snapshot.value).toBe('confirmed');
    expect(p.send(actors.partner, { type: 'APPLY_INCENTIVE_PAYOUT' }).ok).toBe(true);
    const notice = p.last.notifications[0] as { subject: { 'zh-CN': string }; link: string };
    expect(notice.subject['zh-CN']).toBe('开票通知：2026-05 激励 ¥300.00');
    expect(notice.link).toBe('/v1/processes/partner-bill%3Aacme/invoice-list');
    expect(p.snapshot.context.incentiveApplication).toMatchObject({ invoiceListNo: 'KP-acme-2026-05' });
    expect(p.send(actors.partner, { type: 'RECEIVE_INVOICE', invoiceNumber: 'X' })).toMatchObject({ ok: false, refusal: { status: 403 } });
    expect(p.send(actors.ops, { type: 'RECEIVE_INVOICE', invoiceNumber: 'FP-0001' }).ok).toBe(true);
    expect(p.snapshot.status).toBe('done');
    expect(labelOf(partnerBill, p.snapshot)).toEqual({ en: '2026-05: Invoice received: incentive payout follows', 'zh-CN': '2026-05：发票已收到：激励待支付' });
  });

  it('R62 a month without incentive ends at confirmation; nothing to invoice', () => {
    const p = drive(partnerBill, sampleFigures({ incentives: [] }));
    expect(p.send(actors.partner, { type: 'CONFIRM' }).ok).toBe(true);
    expect(p.snapshot.value).toBe('closed');
    expect(p.snapshot.status).toBe('done');
  });

  it('R60 R72 a dispute is answered by a reviewer other than the one who raised it; the partner then confirms', () => {
    const p = drive(partnerBill, sampleFigures());
    expect(p.send(actors.partner, { type: 'DISPUTE', comment: '' })).toMatchObject({ ok: false, refusal: { status: 422 } });
    expect(p.send(actors.partner, { type: 'DISPUTE', comment: 'ECS usage on 05-31 is not ours' }).ok).toBe(true);
    expect(p.snapshot.value).toBe('disputed');
    expect(p.send({ id: actors.partner.id, role: 'reviewer' }, { type: 'ANSWER_DISPUTE', comment: 'x' })).toMatchObject({ ok: false, refusal: { code: 'four_eyes' } });
    expect(p.send(actors.reviewer, { type: 'ANSWER_DISPUTE', comment: 'The usage is from cust-1, your sub-user' }).ok).toBe(true);
    expect(p.snapshot.context.dispute).toMatchObject({ answer: 'The usage is from cust-1, your sub-user' });
    expect(p.send(actors.partner, { type: 'CONFIRM' }).ok).toBe(true);
  });
});
