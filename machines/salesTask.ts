import { label, type Labels, type Refusal } from './types';

/**
 * Sales-expansion tasks (销售拓展任务, R67): their strategies, their statuses, and what each handling
 * action does to the status. Pure: the edge asks `handle` and records what it answers.
 */

export const salesStrategies = {
  'lead-mining': label('Lead mining', '线索挖掘'),
  'cross-sell': label('Cross-sell and repurchase', '交叉复购'),
  renewal: label('Renewal before expiry', '到期续费'),
  'scenario-recommendation': label('Scenario-based recommendation', '场景化方案推荐'),
} as const satisfies Record<string, Labels>;
export type SalesStrategy = keyof typeof salesStrategies;

export const salesTaskStatuses = {
  open: label('To be handled', '待处理'),
  inProgress: label('In progress', '处理中'),
  done: label('Done', '已完成'),
  closed: label('Closed', '已关闭'),
} as const satisfies Record<string, Labels>;
export type SalesTaskStatus = keyof typeof salesTaskStatuses;

/** A task is created open. */
export const newSalesTaskStatus: SalesTaskStatus = 'open';

export const salesTaskActions = ['start', 'note', 'complete', 'close'] as const;
export type SalesTaskAction = (typeof salesTaskActions)[number];

/** What each handling action does to the status; `note` keeps it. Done and closed tasks take nothing more. */
const moves: Record<SalesTaskAction, { from: readonly SalesTaskStatus[]; to?: SalesTaskStatus }> = {
  start: { from: ['open'], to: 'inProgress' },
  note: { from: ['open', 'inProgress'] },
  complete: { from: ['open', 'inProgress'], to: 'done' },
  close: { from: ['open', 'inProgress'], to: 'closed' },
};

/** The status after `action` on a task in `from`, or why the action is not allowed now (409). */
export function handleSalesTask(from: SalesTaskStatus, action: SalesTaskAction): { ok: true; to: SalesTaskStatus } | { ok: false; refusal: Refusal } {
  const move = moves[action];
  if (!move.from.includes(from)) {
    const now = salesTaskStatuses[from];
    return { ok: false, refusal: { status: 409, code: 'not_allowed_in_status', reason: `"${action}" is not allowed while the task is "${now.en}" (${now['zh-CN']}).` } };
  }
  return { ok: true, to: move.to ?? from };
}
