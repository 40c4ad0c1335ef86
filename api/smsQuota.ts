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

export async function reserveSmsCode(store: Store, quota: SmsQuota, partnerId: string, phone: string, now = Date.now()): Promise<SmsReservation> {
  const day = new Date(now + BEIJING_MS).toISOString().slice(0, 10);
  const scopes = [
    { scope: `phone:${phone.replace(/[\s-]/g, '')}`, max: quota.smsCodesPerPhonePerDay, what: `${quota.smsCodesPerPhonePerDay} verification codes to this phone number` },
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
