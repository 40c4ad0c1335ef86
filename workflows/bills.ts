import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BillActivities } from '../activities/bills';
import { billPeriodAt } from '../machines/billPeriod';

const { listBillablePartners, issuePartnerBill } = proxyActivities<BillActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

const scheduledStartTime = { name: 'TemporalScheduledStartTime', type: 'DATETIME' } as const;

export interface BillRunArgs {
  /** The instant the run stands for (ISO); default: the schedule's time for this action, else now. Ops use it to rerun a month. */
  asOf?: string;
}

/**
 * The monthly billing run (R60), started by the partner-bills schedule on the 5th in GMT+08:00: the
 * previous month's bill of every partner in the billing source, each a `partner-bill` process named
 * after partner and month. Running it again for the same month changes nothing.
 */
export async function generatePartnerBills(args: BillRunArgs = {}): Promise<{ month: string; issued: string[]; existing: string[] }> {
  // A run the schedule caught up late still bills the month it was scheduled for.
  const scheduledAt = workflowInfo().typedSearchAttributes.get(scheduledStartTime);
  const runAt = args.asOf ?? (scheduledAt ? scheduledAt.toISOString() : new Date().toISOString());
  const period = billPeriodAt(runAt);
  const generatedAt = new Date().toISOString();
  const issued: string[] = [];
  const existing: string[] = [];
  const partners = await listBillablePartners();
  // A few at a time: the billing source and the engine are spared a burst of thousands.
  for (let i = 0; i < partners.length; i += 8) {
    const results = await Promise.all(partners.slice(i, i + 8).map((partnerId) => issuePartnerBill({ partnerId, period, generatedAt })));
    for (const r of results) (r.created ? issued : existing).push(r.processId);
  }
  return { month: period.month, issued, existing };
}
