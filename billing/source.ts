import { z } from 'zod';

/**
 * Where bills get their numbers: usage, cash, owed invoices, unposted amounts, sub-users' arrears and
 * incentives. The product reads them through this interface, in activities only; the billing system of
 * a deployment implements it (the file-backed one serves development and the tests).
 */
export interface BillingSource {
  /** The partners that get a bill this month. */
  partners(): Promise<string[]>;
  /** Everything the source knows about one partner, or null when it has no billing account. */
  account(partnerId: string): Promise<PartnerAccount | null>;
  /** Who the vendor is on an invoice a partner issues to it (R62). */
  invoiceTo(): Promise<InvoiceTo>;
}

/** Amounts are integer cents (分) of CNY, so that sums are exact. */
const cents = z.number().int().nonnegative().max(1e13);
const day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date YYYY-MM-DD');
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month YYYY-MM');

export const usageLineSchema = z.strictObject({
  customerId: z.string().min(1).max(100),
  service: z.string().min(1).max(100),
  /** The day the usage happened, a date in GMT+08:00. */
  day,
  /** When the billing system recorded it (ISO UTC): a bill counts only what was recorded before its cut-off (R60). */
  recordedAt: z.iso.datetime({ offset: true }),
  amountCents: cents,
});

export const partnerAccountSchema = z.strictObject({
  partnerId: z.string().min(1).max(100),
  currency: z.literal('CNY').default('CNY'),
  usage: z.array(usageLineSchema).max(100_000),
  /** The account as it stands now (R61). */
  balances: z.strictObject({
    cashCents: cents,
    /** 欠票金额: paid out against invoices the partner still owes. */
    owedInvoicesCents: cents,
    /** 未入账金额: earned but not yet posted. */
    unpostedCents: cents,
  }),
  subUsers: z.array(z.strictObject({ customerId: z.string().min(1).max(100), arrearsCents: cents })).max(10_000),
  /** Incentives earned, per month (激励). */
  incentives: z.array(z.strictObject({ month, item: z.string().min(1).max(200), amountCents: cents })).max(10_000),
});

export const invoiceToSchema = z.strictObject({
  name: z.string().min(1).max(200),
  taxId: z.string().min(1).max(50),
  address: z.string().max(300).optional(),
  bank: z.string().max(300).optional(),
  invoiceType: z.strictObject({ en: z.string().min(1).max(100), 'zh-CN': z.string().min(1).max(100) }),
});

export type UsageLine = z.infer<typeof usageLineSchema>;
export type PartnerAccount = z.infer<typeof partnerAccountSchema>;
export type InvoiceTo = z.infer<typeof invoiceToSchema>;
