import type { Logger } from 'pino';
import type { OperationOutcome } from '../machines/operations';
import type { Announcement, PartnerFacts } from '../machines/types';
import type { OutboxEntry, PartnerSeed, Store } from '../store/db';
import type { ProcessRow, Step } from '../store/model';
import { composeMessages, type StaffAddresses } from './messages';
import type { CloudAccounts } from './cloudAccounts';
import type { Notifier } from './notifier';
import { createOperations, type OperationCall } from './operations';

export interface ActivityDeps {
  store: Store;
  notifier: Notifier;
  /** Sends a fact to a running process; the worker passes a Temporal client's signal. */
  signal: (processId: string, signalName: 'fact', payload: Announcement) => Promise<void>;
  log: Logger;
  /** Default: reviewers@partnerflow.local and ops@partnerflow.local. */
  staff?: Partial<StaffAddresses>;
  /** Where people reach the API, to make a message's link absolute; default http://127.0.0.1:3000. */
  publicUrl?: string;
  /** The vendor's cloud-account system (R66), for kinds that create customers. */
  cloudAccounts?: CloudAccounts;
  /** How long an SMS verification code is valid (R66). */
  codeTtlMs?: number;
  /** Tells Temporal the activity is alive (the worker passes `heartbeat`), so a dead worker's attempt is retried soon. */
  heartbeat?: () => void;
}

/** The only I/O the workflow calls: each function is safe to retry, which is how Temporal runs activities. */
export function createActivities(deps: ActivityDeps) {
  const { store, notifier, signal, log } = deps;
  const staff: StaffAddresses = { reviewers: 'reviewers@partnerflow.local', ops: 'ops@partnerflow.local', ...deps.staff };
  const operations = createOperations(deps);

  /** Sends a message only if this call claimed it: at most once, even across crashes (R74). */
  async function deliver(message: OutboxEntry): Promise<void> {
    if (message.status === 'sent') return;
    if (message.status === 'sending' || !(await store.claimOutbox(message.key))) {
      log.warn({ key: message.key }, 'notification left in sending (a crash, or another attempt): not sending it again (R74)');
      return;
    }
    try {
      await notifier.send(message);
    } catch (error) {
      await store.markOutbox(message.key, 'failed');
      throw error;
    }
    await store.markOutbox(message.key, 'sent');
  }

  return {
    /** The row exists before the facts are read, so an announcement racing with this start reaches it (R10). */
    async openProcess(input: { view: ProcessRow; partnerSeed?: PartnerSeed }): Promise<PartnerFacts> {
      await store.ensurePartner(input.view.partnerId, input.partnerSeed ?? {});
      await store.openProcess(input.view);
      const partner = await store.getPartner(input.view.partnerId);
      if (!partner) throw new Error(`Partner ${input.view.partnerId} vanished while process ${input.view.id} was opened.`);
      return partner.facts;
    },

    /**
     * Records the step (R71) and queues its notifications in the outbox (R6). Sending is a separate
     * activity, so that a slow or failing mail server never holds up the decision that caused it.
     */
    async recordStep(step: Step): Promise<void> {
      const processId = step.view.id;
      let messages: OutboxEntry[] = [];
      if (step.notifications.length > 0) {
        const partner = await store.getPartner(step.view.partnerId);
        const createdAt = new Date().toISOString();
        messages = step.notifications.flatMap((n) => composeMessages(processId, n, partner, staff, createdAt, deps.publicUrl));
        if (messages.length < step.notifications.length)
          log.warn({ processId, partnerId: step.view.partnerId }, 'a notification has nobody to go to: the partner has no contact for it (R6)');
      }
      await store.saveStep(step, messages);
      // The records store is the audit trail (R71); this line is for following a process in the logs.
      for (const r of step.records)
        log.debug({ processId: r.processId, seq: r.seq, event: r.event, from: r.from, to: r.to, actor: r.actorId, role: r.role }, 'transition recorded');
    },

    /** Sends what one step queued, each message at most once (R74). */
    async sendNotifications(input: { processId: string; seq: number }): Promise<void> {
      for (const message of await store.listOutbox({ processId: input.processId, seq: input.seq })) {
        deps.heartbeat?.();
        await deliver(message);
      }
    },

    /** Runs what a machine asked for with `perform` and answers the event that reports its outcome. */
    async performOperation(call: OperationCall): Promise<OperationOutcome> {
      const handler = Object.hasOwn(operations, call.operation.name) ? operations[call.operation.name] : undefined;
      if (!handler) throw new Error(`No operation "${call.operation.name}" (asked for by ${call.processId}).`);
      return handler(call, call.operation.input);
    },

    /** Records the fact on the partner first, then tells its other open processes (R3 → R10, R5). */
    async announce(input: { partnerId: string; processId: string; announcement: Announcement }): Promise<void> {
      await store.setPartnerFact(input.partnerId, input.announcement);
      const others = (await store.listOpenProcesses(input.partnerId)).filter((p) => p.id !== input.processId);
      for (const other of others) {
        try {
          await signal(other.id, 'fact', input.announcement);
        } catch (error) {
          // A process that ended since it was listed needs the fact no more.
          if ((error as { name?: unknown } | null)?.name !== 'WorkflowNotFoundError') throw error;
          log.info({ processId: other.id }, 'fact not signalled: the process has ended');
        }
      }
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
