import type { BillPeriod } from '../machines/billPeriod';
import type { BillFigures } from '../machines/partnerBill';
import type { InvoiceTo, PartnerAccount } from './source';

/**
 * A partner's bill for a period from what the billing source holds (R60): usage of the billed month
 * (Beijing dates) recorded before the data cut-off; the balances as they stand, for the withdrawable
 * amount (R61); the month's incentives (R62). Pure: the activity reads the source, this adds up.
 */
export function billFigures(account: PartnerAccount, invoiceTo: InvoiceTo, period: BillPeriod, generatedAt: string): BillFigures {
  const cutoff = Date.parse(period.dataCutoff);
  const ofMonth = account.usage.filter((line) => line.day.startsWith(`${period.month}-`));
  const counted = ofMonth.filter((line) => Date.parse(line.recordedAt) < cutoff);
  const byService = new Map<string, number>();
  for (const line of counted) byService.set(line.service, (byService.get(line.service) ?? 0) + line.amountCents);
  return {
    ...period,
    generatedAt,
    currency: account.currency,
    usage: {
      totalCents: counted.reduce((sum, line) => sum + line.amountCents, 0),
      lineCount: counted.length,
      recordedAfterCutoff: ofMonth.length - counted.length,
      byService: [...byService].sort(([a], [b]) => a.localeCompare(b)).map(([service, amountCents]) => ({ service, amountCents })),
    },
    balances: account.balances,
    subUsers: account.subUsers.filter((s) => s.arrearsCents > 0),
    incentives: account.incentives.filter((i) => i.month === period.month).map(({ item, amountCents }) => ({ item, amountCents })),
    invoiceTo,
  };
}
