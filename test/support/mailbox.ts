import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server for tests: what arrives here is what a partner's mailbox would get. */

export interface Delivered {
  to: string[];
  subject: string;
  messageId: string;
  /** When the server accepted it (ms since the epoch). */
  at: number;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?…?=`), which is how the Chinese half of a subject travels. */
function decodeHeader(value: string): string {
  const joined = value.replace(/\?=\s+=\?/g, '?==?');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of joined.matchAll(/=\?[^?]+\?([BbQq])\?([^?]*)\?=/g)) {
    parts.push(Buffer.from(joined.slice(last, m.index)));
    parts.push(
      m[1].toUpperCase() === 'B'
        ? Buffer.from(m[2], 'base64')
        : Buffer.from(m[2].replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1'),
    );
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(joined.slice(last)));
  return Buffer.concat(parts).toString('utf8');
}

function header(raw: string, name: string): string {
  const head = raw.split('\r\n\r\n')[0].replace(/\r\n[ \t]+/g, ' ');
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return decodeHeader(line?.slice(name.length + 1).trim() ?? '');
}

/** Listens on 127.0.0.1 (port 0: any free one); `refuseRecipient` lets a test make a delivery fail once. */
export async function startMailbox(options: { port?: number; refuseRecipient?: () => boolean } = {}) {
  const inbox: Delivered[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (options.refuseRecipient?.()) return callback(new Error('mailbox temporarily unavailable'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), subject: header(raw, 'Subject'), messageId: header(raw, 'Message-ID'), at: Date.now() });
        callback();
      });
    },
  });
  // A sender killed mid-session (the worker-crash test) resets its connection: that is the sender's crash, not the mailbox's.
  smtp.on('error', () => {});
  await new Promise<void>((resolve) => smtp.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (smtp.server.address() as AddressInfo).port,
    inbox,
    close: () => new Promise<void>((resolve) => smtp.close(resolve)),
  };
}
