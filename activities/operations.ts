import type { Logger } from 'pino';
import type { Operation, OperationOutcome } from '../machines/operations';
import type { Store } from '../store/db';
import type { Sealer } from '../worker/sealer';
import type { CloudAccounts } from './cloudAccounts';
import { hashCode, maskPhone, newCode, newSalt } from './verificationCode';

/** The operations a machine may ask for (`perform`); each is idempotent by (process, step). */

export interface OperationDeps {
  store: Store;
  /** Seals the text of a message whose stored body is redacted (the code), for the sender to open. */
  sealer: Sealer;
  /** Called when a message was queued, so the dispatcher sends it at once. */
  queued?: () => void;
  log: Logger;
  cloudAccounts?: CloudAccounts;
  /** How long an SMS verification code is valid; default 10 minutes. */
  codeTtlMs?: number;
}

export interface OperationCall {
  processId: string;
  partnerId: string;
  /** The step that asked for it: with the process, it keys the work. */
  seq: number;
  operation: Operation;
}

type Handler = (call: OperationCall, input: any) => Promise<OperationOutcome>;

export function createOperations({ store, sealer, queued, log, cloudAccounts, codeTtlMs = 10 * 60 * 1000 }: OperationDeps): Record<string, Handler> {
  return {
    /** R66: the cloud account, opened once per customer, and the customer mapped to it. */
    async openCloudAccount(call, input: { customerId: string; name: string; email?: string; phone?: string }) {
      // Customer ids are the partner's own: only its own customers can hold a name, so the refusal tells it nothing about others.
      const taken = await store.customers.getCustomer(call.partnerId, input.customerId);
      if (taken && taken.creationProcessId !== call.processId)
        return { type: 'CLOUD_ACCOUNT_REFUSED', reason: `The customer account name "${input.customerId}" is already taken; choose another.` };
      if (!cloudAccounts) throw new Error('No cloud-account system is configured for this worker.');
      // Keyed by the partner's customer, not the step: a second process for the same name can never open a second account.
      const { accountId } = await cloudAccounts.open({ requestId: `customer:${call.partnerId}/${input.customerId}`, name: input.name, email: input.email, phone: input.phone });
      const registered = await store.customers.registerCreated({
        id: input.customerId,
        partnerId: call.partnerId,
        name: input.name,
        cloudAccountId: accountId,
        email: input.email ?? null,
        phone: input.phone ?? null,
        creationProcessId: call.processId,
        associatedAt: new Date().toISOString(),
      });
      if (!registered.ok) return { type: 'CLOUD_ACCOUNT_REFUSED', reason: `The customer account name "${input.customerId}" is already taken; choose another.` };
      return { type: 'CLOUD_ACCOUNT_OPENED', cloudAccountId: accountId };
    },

    /**
     * R66: a fresh code to the phone by SMS, through the outbox and its dispatcher (once, R74). The code
     * is never returned, logged or written in clear: the outbox keeps a redacted text beside the real one
     * sealed with the payload key, and the store a hash.
     */
    async sendVerificationCode(call, input: { customerId: string; phone: string }) {
      const key = `${call.processId}/${call.seq}/sms/${input.phone}`;
      const expiresAt = new Date(Date.now() + codeTtlMs).toISOString();
      const outcome = { type: 'CODE_SENT', phone: maskPhone(input.phone) };
      // Queued already (a retried activity): that code goes, and its hash stays; no second code (R74).
      if ((await store.listOutbox({ processId: call.processId, seq: call.seq })).some((m) => m.key === key)) return outcome;
      const code = newCode();
      const salt = newSalt();
      await store.customers.putVerificationCode({
        process_id: call.processId,
        customer_id: input.customerId,
        phone: input.phone,
        salt,
        code_hash: await hashCode(code, salt),
        issued_seq: call.seq,
        issued_at: new Date().toISOString(),
        expires_at: expiresAt,
        attempts: 0,
        verified_at: null,
      });
      const subject = 'Verification code / 验证码';
      const text = (shown: string) =>
        `Your partner-center registration code is ${shown}; it is valid for ${Math.round(codeTtlMs / 60000)} minutes.\n您的注册验证码为 ${shown}，${Math.round(codeTtlMs / 60000)} 分钟内有效。`;
      const message = {
        key, processId: call.processId, seq: call.seq, channel: 'sms' as const, recipient: input.phone, audience: 'customer' as const,
        subject, body: text('******'), sealedBody: sealer.seal(text(code)), status: 'pending' as const, createdAt: new Date().toISOString(), sentAt: null,
      };
      await store.insertOutbox([message]);
      queued?.();
      log.info({ processId: call.processId, seq: call.seq, to: outcome.phone }, 'verification code queued');
      return outcome;
    },
  };
}
