import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Logger } from 'pino';
import type { OutboxMessage } from '../store/model';

/** Delivers one outbox message; the outbox decides whether it may be sent (R74), the notifier only sends. */
export interface Notifier {
  send(message: OutboxMessage): Promise<void>;
}

export interface NotifierOptions {
  /** e.g. `smtp://user:pass@host:587`; without it email is only logged (the outbox row is the record). */
  smtpUrl?: string;
  /** Receives `POST { to, text, idempotencyKey }`; without it SMS is only logged. */
  smsWebhookUrl?: string;
  from?: string;
  log: Logger;
}

/** The same outbox key always gives the same Message-ID, so a receiver can spot a duplicate. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@partnerflow>`;
}

export function createNotifier({ smtpUrl, smsWebhookUrl, from = 'Partner Center <no-reply@partnerflow.local>', log }: NotifierOptions): Notifier {
  // Each attempt must end well inside the sending activity's timeout (1 minute): an attempt that outlived
  // it would leave its message claimed while Temporal retries, and a claimed message is never resent (R74).
  const mailer = smtpUrl ? createTransport(smtpUrl, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }) : undefined;
  // Said once, not per message: each message is in the outbox (`GET /v1/partners/:id/notifications`), and a
  // line per message would copy its recipient into the logs.
  if (!smtpUrl) log.warn('SMTP_URL is not set: email stays in the outbox, unsent');
  if (!smsWebhookUrl) log.warn('SMS_WEBHOOK_URL is not set: SMS stays in the outbox, unsent');

  async function sendEmail(message: OutboxMessage): Promise<void> {
    if (!mailer) {
      log.debug({ key: message.key, to: message.recipient, subject: message.subject }, 'email not sent: no SMTP_URL, kept in the outbox');
      return;
    }
    await mailer.sendMail({ from, to: message.recipient, subject: message.subject, text: message.body, messageId: messageIdFor(message.key) });
  }

  async function sendSms(message: OutboxMessage): Promise<void> {
    if (!smsWebhookUrl) {
      log.debug({ key: message.key, to: message.recipient }, 'sms not sent: no SMS_WEBHOOK_URL, kept in the outbox');
      return;
    }
    const response = await fetch(smsWebhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: message.recipient, text: `${message.subject}\n${message.body}`, idempotencyKey: message.key }),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`The SMS provider answered ${response.status} ${response.statusText} for ${message.key}.`);
  }

  return { send: (message) => (message.channel === 'email' ? sendEmail(message) : sendSms(message)) };
}
