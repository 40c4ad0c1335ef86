import { z } from 'zod';
import type { ProcessKind } from '../kind';
import { materialsSchema } from '../types';
import * as v1 from './v1';

/**
 * Business-information certification, version 2 (2026-12): the licence number must be a unified social
 * credit code (统一社会信用代码: 18 characters, GB 32100-2015's alphabet), and a scan of the business
 * licence must be attached. The states and decisions are version 1's.
 */

/** Digits and capital letters but I, O, Z, S and V: registration authority, type, region code, organisation code, check character. */
export const unifiedSocialCreditCode = z
  .string()
  .trim()
  .regex(/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/, 'a unified social credit code (统一社会信用代码) of 18 digits and capital letters, e.g. 91310000MA1K4AJ12X');

export const events = {
  ...v1.events,
  SUBMIT: {
    ...v1.events.SUBMIT,
    schema: z.strictObject({
      licenseNumber: unifiedSocialCreditCode,
      materials: materialsSchema.min(1, 'attach a scan of the business licence'),
    }),
  },
} as const;

export const businessCertificationV2: ProcessKind = { ...v1.businessCertificationV1, version: 2, events };
