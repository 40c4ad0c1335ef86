import type { Store } from '../store/db';
import { HttpError } from './errors';

/**
 * SMS verification codes per phone number and per partner per day (GMT+08:00, R70), on top of the five a
 * single customer creation may send: many creations to one number would otherwise flood it, and a
 * partner could run up the SMS bill. Reserved before the code is asked for; given back if the request
 * is refused after all, so that a refusal changes nothing (R73).
 */

const DAY_MS = 24 * 3600 * 1000;
const BEIJING_MS = 8 * 3600 * 1000;

export interface SmsQuota {
  smsCodesPerPhonePerDay: number;
  smsCodesPerPartnerPerDay: number;
}

export interface SmsReservation {
  release(): Promise<void>;
}

/**
 * One spelling per phone number for counting: E.164 with China (+86) as the default country. `+86 137 1234 0000`,
 * `8613712340000`, `008613712340000` and `13712340000` are one phone, else each spelling would get its own quota.
 */
export function phoneKey(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (phone.trim().startsWith('+')) return `+${digits}`;
  // 00 is the international prefix dialled from China.
  if (digits.startsWith('00')) return `+${digits.slice(2)}`;
  // A Chinese mobile number is 11 digits starting with 1: with the country code and no +, 13 digits starting with 861.
  if (digits.length === 13 && digits.startsWith('861')) return `+${digits}`;
  // A leading 0 is the domestic trunk prefix (010 …, 0755 …), not part of the number.
  return `+86${digits.replace(/^0/, '')}`;
}

export async function reserveSmsCode(store: Store, quota: SmsQuota, partnerId: string, phone: string, now = Date.now()): Promise<SmsReservation> {
  const day = new Date(now + BEIJING_MS).toISOString().slice(0, 10);
  const scopes = [
    { scope: `phone:${phoneKey(phone)}`, max: quota.smsCodesPerPhonePerDay, what: `${quota.smsCodesPerPhonePerDay} verification codes to this phone number` },
    { scope: `partner:${partnerId}`, max: quota.smsCodesPerPartnerPerDay, what: `${quota.smsCodesPerPartnerPerDay} verification codes for this partner` },
  ];
  const full = await store.smsQuota.reserve(day, scopes);
  if (full !== undefined) {
    const retryAfter = Math.ceil((DAY_MS - ((now + BEIJING_MS) % DAY_MS)) / 1000);
    const what = scopes.find((s) => s.scope === full)!.what;
    throw new HttpError(429, 'sms_quota_exceeded', `${what} were sent today (GMT+08:00) already; no more until midnight, or ask ops to check the number.`, retryAfter);
  }
  return { release: () => store.smsQuota.release(day, scopes.map((s) => s.scope)) };
}
