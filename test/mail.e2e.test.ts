import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/devServer';
import { eventually } from './support/flows';
import { startMailbox } from './support/mailbox';
import { startProduct, type Product } from './support/product';
import { licence } from './support/fixtures';

let product: Product;
let smtpPort: number;
let mailbox: Awaited<ReturnType<typeof startMailbox>> | undefined;

beforeAll(async () => {
  smtpPort = await freePort();
  // The product is pointed at an SMTP server that is not there yet: a mail outage.
  product = await startProduct({ env: { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` } });
});
afterAll(async () => {
  await product?.stop();
  await mailbox?.close();
});

describe('email over real SMTP', () => {
  it('R74 a mail outage never holds up a decision, and each queued message arrives exactly once when mail is back', async () => {
    const started = await product.start('acme', 'business-certification');
    const id = started.body.id;
    await product.call('acme', 'PATCH', `/v1/partners/${product.people.acme.partnerId}`, { contact: { email: 'it@acme.example' } });
    expect((await product.act('acme', id, { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X', materials: licence.materials })).status).toBe(200);
    expect((await product.act('li', id, { type: 'APPROVE', comment: 'Verified' })).body.state).toBe('certified');
    // Both decisions were answered while their messages were still unsent: they did not wait for the mail server.
    const queued = await product.store.listOutbox({ processId: id });
    expect(queued.map((m) => m.recipient).sort()).toEqual(['it@acme.example', 'reviewers@partnerflow.local']);
    expect(queued.every((m) => m.status !== 'sent')).toBe(true);

    mailbox = await startMailbox({ port: smtpPort });
    await eventually(
      () => product.store.listOutbox({ processId: id }),
      (messages) => messages.length > 0 && messages.every((m) => m.status === 'sent'),
      60_000,
    );
    const sent = await product.store.listOutbox({ processId: id });
    expect(mailbox.inbox).toHaveLength(sent.length);
    expect(new Set(mailbox.inbox.map((m) => m.messageId)).size).toBe(sent.length);
    expect(mailbox.inbox.map((m) => m.subject)).toContainEqual(expect.stringMatching(/^Review needed: .* \/ 待审核：商业信息认证$/));
  });
});
