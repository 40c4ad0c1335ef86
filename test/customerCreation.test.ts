import { describe, expect, it } from 'vitest';
import { customerCreation } from '../machines/customerCreation';
import { actors, drive } from './support/machine';

/** The customer-creation machine alone (R66): what it asks the driver to do, and what it refuses. */

describe('customer-creation machine', () => {
  it('R66 opens the cloud account first, then sends a code only when a phone number is given', () => {
    const withPhone = drive(customerCreation, { customerId: 'c-1', name: 'C', phone: '+8613800000000' });
    expect(withPhone.operations).toEqual([{ name: 'openCloudAccount', input: { customerId: 'c-1', name: 'C', phone: '+8613800000000' } }]);
    expect(withPhone.snapshot.value).toBe('openingAccount');
    withPhone.outcome({ type: 'CLOUD_ACCOUNT_OPENED', cloudAccountId: 'hwc_1' });
    expect(withPhone.operations).toEqual([{ name: 'sendVerificationCode', input: { customerId: 'c-1', phone: '+8613800000000' } }]);
    expect(withPhone.snapshot.value).toBe('verifyingPhone');

    const without = drive(customerCreation, { customerId: 'c-2', name: 'C' });
    expect(without.operations).toEqual([{ name: 'openCloudAccount', input: { customerId: 'c-2', name: 'C' } }]);
    without.outcome({ type: 'CLOUD_ACCOUNT_OPENED', cloudAccountId: 'hwc_2' });
    expect(without.operations).toEqual([]);
    expect(without.snapshot.value).toBe('created');
  });

  it('R66 R72 outcome events cannot be sent by anyone; RESEND_CODE only by the partner', () => {
    const process = drive(customerCreation, { customerId: 'c-3', name: 'C', phone: '+8613800000000' });
    for (const actor of [actors.system, actors.ops, actors.partner]) {
      const verdict = process.send(actor, { type: 'CLOUD_ACCOUNT_OPENED', cloudAccountId: 'hwc_x' });
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.refusal.code).toBe('reported_by_process');
    }
    const resend = process.send(actors.reviewer, { type: 'RESEND_CODE' });
    expect(!resend.ok && resend.refusal.status).toBe(403);
  });

  it('R66 no event of the process carries the verification code', () => {
    const fields = Object.values(customerCreation.events).flatMap((spec) => Object.keys(spec.schema.shape));
    expect(fields).not.toContain('code');
  });
});
