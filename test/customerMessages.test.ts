import { describe, expect, it } from 'vitest';
import { composeMessages } from '../activities/messages';
import { label } from '../machines/types';
import { newPartner } from '../store/db';

/** Who a message reaches: customers on the contact their process keeps, partners on prescribed channels when a rule says so. */

const staff = { reviewers: 'reviewers@vendor.example', ops: 'ops@vendor.example' };
const partner = {
  ...newPartner('acme'),
  contact: { email: 'finance@acme.example', phone: '+8613800000009' },
  messageSettings: { actionNeeded: { email: false, sms: false }, reviewOutcome: { email: true, sms: false }, reminder: { email: true, sms: false } },
};
const text = { subject: label('Subject', '主题'), body: label('Body', '正文') };
const at = '2026-11-26T04:00:00.000Z';

describe('messages to customers and prescribed channels', () => {
  it('R50 a partner payment request goes by SMS and email even when the partner turned both off for its topic', () => {
    const messages = composeMessages('p1', { seq: 0, audience: 'partner', topic: 'actionNeeded', channels: ['email', 'sms'], ...text }, partner, staff, at);
    expect(messages.map((m) => [m.channel, m.recipient, m.key])).toEqual([
      ['email', 'finance@acme.example', 'p1/0/email/finance@acme.example'],
      ['sms', '+8613800000009', 'p1/0/sms/+8613800000009'],
    ]);
  });

  it('R6 without prescribed channels the partner settings still decide', () => {
    expect(composeMessages('p1', { seq: 0, audience: 'partner', topic: 'actionNeeded', ...text }, partner, staff, at)).toEqual([]);
  });

  it('R52 a customer is reached by email and SMS where its process has them, never at the partner', () => {
    const both = composeMessages('p2', { seq: 3, audience: 'customer', topic: 'reminder', to: { email: 'pay@qian.example', phone: '+8613900000002' }, ...text }, partner, staff, at);
    expect(both.map((m) => [m.audience, m.channel, m.recipient])).toEqual([
      ['customer', 'email', 'pay@qian.example'],
      ['customer', 'sms', '+8613900000002'],
    ]);
    expect(composeMessages('p2', { seq: 4, audience: 'customer', topic: 'reminder', to: {}, ...text }, partner, staff, at)).toEqual([]);
  });
});
