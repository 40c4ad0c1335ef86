import type { Config } from '../worker/config';

/**
 * What one caller may take of the API (docs/SECURITY.md): requests and process starts per key per
 * minute (starts also per partner, all its keys together), event streams open at once, SMS verification codes per phone number and per partner, and how
 * long a request may take to arrive. Generous for people at the console and for apps that behave.
 */
export interface ApiLimits {
  requestsPerMinute: number;
  startsPerMinute: number;
  /** Starts and open event streams of all of one partner's keys together: more keys give a partner no more. */
  startsPerPartnerPerMinute: number;
  streamsPerKey: number;
  streamsPerPartner: number;
  streamsMax: number;
  smsCodesPerPhonePerDay: number;
  smsCodesPerPartnerPerDay: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

export const defaultLimits: ApiLimits = {
  requestsPerMinute: 1200,
  startsPerMinute: 120,
  startsPerPartnerPerMinute: 300,
  streamsPerKey: 20,
  streamsPerPartner: 100,
  streamsMax: 500,
  smsCodesPerPhonePerDay: 10,
  smsCodesPerPartnerPerDay: 500,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 120_000,
};

export const apiLimits = (config: Config): ApiLimits => ({
  requestsPerMinute: config.RATE_LIMIT_PER_MINUTE,
  startsPerMinute: config.RATE_LIMIT_STARTS_PER_MINUTE,
  startsPerPartnerPerMinute: config.RATE_LIMIT_STARTS_PER_PARTNER_PER_MINUTE,
  streamsPerKey: config.EVENT_STREAMS_PER_KEY,
  streamsPerPartner: config.EVENT_STREAMS_PER_PARTNER,
  streamsMax: config.EVENT_STREAMS_MAX,
  smsCodesPerPhonePerDay: config.SMS_CODES_PER_PHONE_PER_DAY,
  smsCodesPerPartnerPerDay: config.SMS_CODES_PER_PARTNER_PER_DAY,
  requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
  idleTimeoutMs: config.HTTP_IDLE_TIMEOUT_MS,
});
