import type { OutboxEntry } from '../store/db';
import type { OutboxMessage, Partner, Step } from '../store/model';

export type Notification = Step['notifications'][number];

/** Where the vendor's own people read their notifications. */
export interface StaffAddresses {
  reviewers: string;
  ops: string;
}

type Delivery = { channel: OutboxMessage['channel']; recipient: string };

/**
 * The partner's contact on the channels its message settings allow for this topic (R6), or on the
 * channels a rule prescribes (R50); a customer where the process says it is reached; staff by email.
 */
function deliveries(notification: Notification, partner: Partner | null, staff: StaffAddresses, person?: string): Delivery[] {
  const { audience, topic, channels, to } = notification;
  if (person && (audience === 'reviewers' || audience === 'ops')) return [{ channel: 'email', recipient: person }];
  if (audience === 'customer')
    return [
      ...(to?.email ? [{ channel: 'email' as const, recipient: to.email }] : []),
      ...(to?.phone ? [{ channel: 'sms' as const, recipient: to.phone }] : []),
    ];
  if (audience !== 'partner') return [{ channel: 'email', recipient: staff[audience] }];
  if (!partner || topic === 'escalation') return [];
  const wanted = channels ? { email: channels.includes('email'), sms: channels.includes('sms') } : partner.messageSettings[topic];
  const { email, phone } = partner.contact;
  return [
    ...(wanted.email && email ? [{ channel: 'email' as const, recipient: email }] : []),
    ...(wanted.sms && phone ? [{ channel: 'sms' as const, recipient: phone }] : []),
  ];
}

/** One outbox message per channel and recipient, in both languages of the partner center. */
export function composeMessages(
  processId: string,
  notification: Notification,
  partner: Partner | null,
  staff: StaffAddresses,
  createdAt: string,
  publicUrl = 'http://127.0.0.1:3000',
  /** A staff message for one person (a reminder to whoever holds the review, or stands in for them) at this address. */
  person?: string,
): OutboxEntry[] {
  const { seq, audience, subject, body, link } = notification;
  const linkLine = link ? `\n\nLink / 链接: ${publicUrl.replace(/\/+$/, '')}${link}` : '';
  return deliveries(notification, partner, staff, person).map(({ channel, recipient }) => ({
    key: `${processId}/${seq}/${channel}/${recipient}`,
    processId,
    seq,
    channel,
    recipient,
    audience,
    subject: `${subject.en} / ${subject['zh-CN']}`,
    body: `${body.en}\n\n${body['zh-CN']}${linkLine}\n\nProcess / 流程: ${processId}`,
    status: 'pending',
    createdAt,
    sentAt: null,
  }));
}
