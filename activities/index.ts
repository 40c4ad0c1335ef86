import type { Logger } from 'pino';
import type { OperationOutcome } from '../machines/operations';
import type { Announcement, PartnerFacts } from '../machines/types';
import type { OutboxEntry, PartnerSeed, Store } from '../store/db';
import type { ProcessRow, Step } from '../store/model';
import type { Sealer } from '../worker/sealer';
import { composeMessages, type StaffAddresses } from './messages';
import type { CloudAccounts } from './cloudAccounts';
import { createDispatcher, type DispatchSettings } from './dispatcher';
import type { Notifier } from './notifier';
import { createOperations, type OperationCall } from './operations';
import { webhookDeliveries } from './webhookEvents';
import type { WebhookEndpoint } from '../store/webhooks';

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
  /** The running activity's cancellation (worker shutdown, or the dispatcher workflow gone), for the long `drainOutbox`. */
  cancellation?: () => AbortSignal | undefined;
  /** Opens what the outbox keeps sealed: webhook secrets, an SMS code's text. */
  sealer: Sealer;
  /** The outbox dispatcher's claims, batches, polling and webhook retries. */
  dispatch?: Partial<DispatchSettings>;
  /** Asks the engine whether the Update that made a held step completed (ProcessClient.updateCompleted). */
  updateCompleted?: (processId: string, runId: string, updateId: string) => Promise<boolean | undefined>;
}

/** The only I/O the workflow calls: each function is safe to retry, which is how Temporal runs activities. */
export function createActivities(deps: ActivityDeps) {
  const { store, notifier, signal, log } = deps;
  const staff: StaffAddresses = { reviewers: 'reviewers@partnerflow.local', ops: 'ops@partnerflow.local', ...deps.staff };
  const dispatcher = createDispatcher({ store, notifier, sealer: deps.sealer, log, settings: deps.dispatch, updateCompleted: deps.updateCompleted });
  const operations = createOperations({ ...deps, queued: dispatcher.wake });

  /** The step's messages (R6) and its webhook deliveries, in the step's own transaction; `held` keeps them until the engine committed the step. */
  async function saveStep(step: Step, held?: { updateId: string; runId: string }): Promise<void> {
    const processId = step.view.id;
    let messages: OutboxEntry[] = [];
    const createdAt = new Date().toISOString();
    if (step.notifications.length > 0) {
      const partner = await store.getPartner(step.view.partnerId);
      messages = step.notifications.flatMap((n) => composeMessages(processId, n, partner, staff, createdAt, deps.publicUrl));
      if (messages.length < step.notifications.length)
        log.warn({ processId, partnerId: step.view.partnerId }, 'a notification has nobody to go to: the partner has no contact for it (R6)');
      const keys = new Set(messages.map((m) => m.key));
      messages.push(...(await personalReminders(step, createdAt)).filter((m) => !keys.has(m.key)));
    }
    const webhooks = (endpoints: WebhookEndpoint[]) => webhookDeliveries(step, endpoints, createdAt);
    if (held) await store.holdStep(step, messages, { webhooks, ...held });
    else await store.saveStep(step, messages, { webhooks });
    // The records store is the audit trail (R71); this line is for following a process in the logs.
    for (const r of step.records)
      log.debug({ processId: r.processId, seq: r.seq, event: r.event, from: r.from, to: r.to, actor: r.actorId, role: r.role }, 'transition recorded');
  }

  /**
   * A reminder of a held review also goes to its holder, or, while the holder is away, to whoever stands
   * in for them, at the email the staff directory knows; the reviewers' shared address gets it as before.
   */
  async function personalReminders(step: Step, createdAt: string): Promise<OutboxEntry[]> {
    const reminders = step.notifications.filter((n) => n.audience === 'reviewers' && n.topic === 'reminder');
    if (reminders.length === 0) return [];
    const task = await store.getTask(step.view.id, 'reviewer');
    if (!task?.claimedBy) return [];
    const holder = task.claimedBy;
    const delegate = await store.staff.delegateOf(holder, step.records[0]?.at ?? step.view.updatedAt);
    const person = await store.staff.getPerson(delegate ?? holder, 'reviewer');
    if (!person?.email) return [];
    return reminders.flatMap((n) =>
      composeMessages(
        step.view.id,
        delegate
          ? {
              ...n,
              subject: { en: `${n.subject.en} (for ${holder}, who is away)`, 'zh-CN': `${n.subject['zh-CN']}（代 ${holder} 处理，其外出期间）` },
              body: { en: `You stand in for ${holder}, who holds this review. ${n.body.en}`, 'zh-CN': `${holder} 外出期间由您代为处理其认领的审核。${n.body['zh-CN']}` },
            }
          : n,
        null,
        staff,
        createdAt,
        deps.publicUrl,
        person.email ?? undefined,
      ),
    );
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
      await saveStep(step);
      dispatcher.wake();
    },

    /**
     * Records a step inside the Update that made it (a local activity: the engine has not committed it
     * yet). It is held, replacing what an earlier attempt at this seq held: nothing of it is shown or sent
     * until whoever learns that the Update completed releases it (store.releaseSteps).
     */
    async recordHeldStep(input: { step: Step; updateId: string; runId: string }): Promise<void> {
      await saveStep(input.step, { updateId: input.updateId, runId: input.runId });
    },

    /**
     * Sends what one step queued now, if nothing queued earlier for the same recipients waits; the rest
     * is the dispatcher's. Kept for running processes and recorded histories that schedule it; claims
     * make it and the dispatcher send each message once (R74). A failed send is the dispatcher's to retry,
     * so a mail outage no longer holds a process open.
     */
    async sendNotifications(input: { processId: string; seq: number }): Promise<void> {
      while ((await dispatcher.round({ only: input, channels: ['email', 'sms'] })) > 0) deps.heartbeat?.();
    },

    /** The outbox dispatcher's activity: sends everything due, in batches, for `forMs`, then returns (workflows/outboxDispatcher.ts). */
    async drainOutbox(input: { forMs: number }): Promise<{ claimed: number }> {
      return dispatcher.drain({ forMs: input.forMs, heartbeat: deps.heartbeat, signal: deps.cancellation?.() });
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
