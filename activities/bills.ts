import type { Logger } from 'pino';
import { billFigures } from '../billing/compute';
import type { BillingSource } from '../billing/source';
import type { BillPeriod } from '../machines/billPeriod';
import { registry } from '../machines/registry';
import type { Actor } from '../machines/types';
import type { StartRequest } from '../engineClient';
import type { Store } from '../store/db';

/** Starts a process the way the API does (same id policy, search attributes, settings); the worker passes the ProcessClient's. */
export type StartProcess = (request: StartRequest) => Promise<{ created: boolean }>;

export interface BillActivityDeps {
  billing: BillingSource;
  store: Store;
  startProcess: StartProcess;
  log: Logger;
}

/** The billing run's identity in every bill's records. */
export const billingRun: Actor = { id: 'billing-run', role: 'system' };

/** `partner-bill:<partner>:<month>`: naming partner and month, so a rerun finds the bill instead of making a second. */
export const billProcessId = (partnerId: string, month: string) => `partner-bill:${partnerId}:${month}`;

/** The activities of the monthly billing run (R60): both safe to retry. */
export function createBillActivities({ billing, store, startProcess, log }: BillActivityDeps) {
  return {
    async listBillablePartners(): Promise<string[]> {
      return billing.partners();
    },

    /** Reads the partner's figures from the billing source and starts its bill, unless that bill exists. */
    async issuePartnerBill(request: { partnerId: string; period: BillPeriod; generatedAt: string }): Promise<{ processId: string; created: boolean }> {
      const { partnerId, period } = request;
      const processId = billProcessId(partnerId, period.month);
      if (await store.getProcess(processId)) return { processId, created: false };
      const account = await billing.account(partnerId);
      if (!account) throw new Error(`The billing source has no account for partner ${partnerId}.`);
      const input = billFigures(account, await billing.invoiceTo(), period, request.generatedAt);
      const kind = registry['partner-bill'];
      const { created } = await startProcess({ kind, processId, partnerId, businessKey: period.month, input: kind.input.parse(input), startedBy: billingRun });
      log.info({ processId, created, usageCents: input.usage.totalCents }, 'partner bill issued');
      return { processId, created };
    },
  };
}

export type BillActivities = ReturnType<typeof createBillActivities>;
