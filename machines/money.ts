import { label, type Labels } from './types';

/** Money in the partner center: integer cents (分) of CNY, so that every sum is exact. */

/** `123456` → `¥1,234.56`. */
export function formatCny(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const yuan = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

export interface Balances {
  cashCents: number;
  owedInvoicesCents: number;
  unpostedCents: number;
}

/** The withdrawable amount with every part shown, as a partner reads it beside the bill (R61). */
export interface Withdrawable extends Balances {
  subUserArrearsCents: number;
  /** Never below zero: a shortfall means nothing can be withdrawn, it is not a debt created here. */
  withdrawableCents: number;
  formula: Labels;
}

export const withdrawableFormula = label(
  'withdrawable = cash − owed invoices − unposted − sub-users’ total arrears',
  '可提现金额=现金金额-欠票金额-未入账金额-子用户欠费总额',
);

/** R61: 可提现金额 = 现金金额 − 欠票金额 − 未入账金额 − 子用户欠费总额. */
export function withdrawable(balances: Balances, subUsers: ReadonlyArray<{ arrearsCents: number }>): Withdrawable {
  const subUserArrearsCents = subUsers.reduce((sum, s) => sum + s.arrearsCents, 0);
  const raw = balances.cashCents - balances.owedInvoicesCents - balances.unpostedCents - subUserArrearsCents;
  return {
    cashCents: balances.cashCents,
    owedInvoicesCents: balances.owedInvoicesCents,
    unpostedCents: balances.unpostedCents,
    subUserArrearsCents,
    withdrawableCents: Math.max(0, raw),
    formula: withdrawableFormula,
  };
}
