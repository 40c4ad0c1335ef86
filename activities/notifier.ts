import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Logger } from 'pino';
import type { OutboxMessage } from '../store/model';

/**
 * Delivers one email or SMS; the outbox decides whether it may be sent (R74), the notifier only sends.
 * Resolves with the receiver's answer (the SMTP server's reply, the SMS provider's status), or null
 * when there is nowhere to send (no SMTP_URL or SMS_WEBHOOK_URL).
 */
export interface Notifier {
  send(message: OutboxMessage): Promise<string | null>;
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
  // Each attempt must end well inside its claim on the message (renewed every 10 s), else a second sender
  // could take it while this one still talks to the server (R74).
  const mailer = smtpUrl ? createTransport(smtpUrl, { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 }) : undefined;
  // Said once, not per message: each message is in the outbox (`GET /v1/partners/:id/notifications`), and a
  // line per message would copy its recipient into the logs.
  if (!smtpUrl) log.warn('SMTP_URL is not set: email stays in the outbox, unsent');
  if (!smsWebhookUrl) log.warn('SMS_WEBHOOK_URL is not set: SMS stays in the outbox, unsent');

  async function sendEmail(message: OutboxMessage): Promise<string | null> {
    if (!mailer) {
      log.debug({ key: message.key, to: message.recipient, subject: message.subject }, 'email not sent: no SMTP_URL, kept in the outbox');
      return null;
    }
    const info = await mailer.sendMail({ from, to: message.recipient, subject: message.subject, text: message.body, messageId: messageIdFor(message.key) });
    return typeof info.response === 'string' ? info.response.slice(0, 500) : null;
  }

  async function sendSms(message: OutboxMessage): Promise<string | null> {
    if (!smsWebhookUrl) {
      log.debug({ key: message.key, to: message.recipient }, 'sms not sent: no SMS_WEBHOOK_URL, kept in the outbox');
      return null;
    }
    const response = await fetch(smsWebhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: message.recipient, text: `${message.subject}\n${message.body}`, idempotencyKey: message.key }),
      signal: AbortSignal.timeout(15_000),
    });
    const answer = `${response.status} ${response.statusText} ${(await response.text().catch(() => '')).slice(0, 300)}`.trim();
    if (!response.ok) throw new Error(`The SMS provider answered ${answer} for ${message.key}.`);
    return answer;
  }

  return {
    send(message) {
      if (message.channel === 'email') return sendEmail(message);
      if (message.channel === 'sms') return sendSms(message);
      throw new Error(`The notifier sends email and SMS, not ${message.channel} (${message.key}).`);
    },
  };
}
