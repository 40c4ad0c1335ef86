import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultBillingDir } from '../../billing/fileSource';
import type { PartnerAccount } from '../../billing/source';
import type { BillFigures } from '../../machines/partnerBill';

/** A billing source of the test's own: the shipped vendor.json and the accounts given, as the file-backed source reads them. */
export function makeBillingDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-billing-'));
  fs.mkdirSync(path.join(dir, 'partners'));
  fs.copyFileSync(path.join(defaultBillingDir, 'vendor.json'), path.join(dir, 'vendor.json'));
  return dir;
}

export function writeAccount(dir: string, account: PartnerAccount) {
  fs.writeFileSync(path.join(dir, 'partners', `${account.partnerId}.json`), JSON.stringify(account, null, 2));
}

/** A bill as the billing run would compute it, for machine tests and starts by the system role. */
export function sampleFigures(overrides: Partial<BillFigures> = {}): BillFigures {
  return {
    month: '2026-05',
    from: '2026-04-30T16:00:00.000Z',
    to: '2026-05-31T16:00:00.000Z',
    dataCutoff: '2026-06-04T16:00:00.000Z',
    dueBy: '2026-06-05T04:00:00.000Z',
    generatedAt: '2026-06-04T18:00:00.000Z',
    currency: 'CNY',
    usage: { totalCents: 100000, lineCount: 2, recordedAfterCutoff: 0, byService: [{ service: 'ECS', amountCents: 100000 }] },
    balances: { cashCents: 500000, owedInvoicesCents: 10000, unpostedCents: 20000 },
    subUsers: [{ customerId: 'cust-1', arrearsCents: 5000 }],
    incentives: [{ item: 'Solution incentive', amountCents: 30000 }],
    invoiceTo: { name: 'Cloud Vendor Ltd', taxId: '91520900MA6J6CBN9Q', invoiceType: { en: 'VAT special invoice', 'zh-CN': '增值税专用发票' } },
    ...overrides,
  };
}
