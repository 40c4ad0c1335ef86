import type { ReviewDue } from '../machines/time';
import { reviewDueAt } from '../machines/time';
import { kindOf } from '../machines/registry';
import { stateLeaves } from '../machines/stateLeaves';
import type { DecisionRow } from '../store/db';
import type { TransitionRecord } from '../store/model';

/**
 * The review-time report: how long reviews take, in working hours of the partner center's calendar
 * (Monday to Friday, 09:00–18:00 GMT+08:00, R70; public holidays are not known to the product, as for
 * due times), per kind and per reviewer. Pure: records in, figures out.
 */

const offsetMs = 8 * 3600 * 1000;
const dayMs = 24 * 3600 * 1000;
const hourMs = 3600 * 1000;
export const workingDay = { start: 9, end: 18 } as const;

/** Working hours between two instants (ISO UTC), 0 when `to` is not after `from`. */
export function workingHoursBetween(fromIso: string, toIso: string): number {
  const from = Date.parse(fromIso) + offsetMs;
  const to = Date.parse(toIso) + offsetMs;
  if (!(to > from)) return 0;
  let total = 0;
  // Walk the Beijing calendar days the interval touches; each weekday adds its overlap with 09:00–18:00.
  for (let day = Math.floor(from / dayMs) * dayMs; day < to; day += dayMs) {
    const weekday = new Date(day).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    const open = Math.max(from, day + workingDay.start * hourMs);
    const close = Math.min(to, day + workingDay.end * hourMs);
    if (close > open) total += close - open;
  }
  return total / hourMs;
}

/** The q-quantile of ascending values, interpolating between the closest ranks (so the median of 1, 2 is 1.5). */
export function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

export { stateLeaves } from '../machines/stateLeaves';

const parts = stateLeaves;

/**
 * When the review a decision closed was opened: the step that brought the process into the state (of the
 * decided region, for parallel reviews: the one its subject names, else the one it changed) it was decided in. Steps that stayed there (reminders, facts) are
 * passed over; a correction and resubmission opens a new review.
 */
export function reviewOpenedAt(before: TransitionRecord[], decision: TransitionRecord): string | undefined {
  const from = parts(decision.from);
  const to = parts(decision.to);
  const changed = from.filter((p) => !to.includes(p));
  // A decision that names its review (`subject: "joint-design"`) names its region (`jointDesign.…`), even when deciding it ends them all.
  const subject = typeof decision.payload?.subject === 'string' ? decision.payload.subject.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) : undefined;
  const region = subject ? from.filter((p) => p.split('.').includes(subject)) : [];
  const decided = region.length ? region : changed.length ? changed : from;
  const holds = (state: string | null) => decided.every((p) => parts(state).includes(p));
  for (let i = before.length - 1; i >= 0; i--) {
    const record = before[i];
    if (!holds(record.to)) return undefined;
    if (!holds(record.from)) return record.at;
  }
  return undefined;
}

export interface ReviewFigures {
  decided: number;
  /** Working hours from submission to decision; null when nothing was decided. */
  medianHours: number | null;
  p90Hours: number | null;
  /** Decided after their due time. */
  overdue: number;
}

export interface ReviewReport {
  byKind: Array<ReviewFigures & { kind: string }>;
  byReviewer: Array<ReviewFigures & { reviewer: string; onBehalf: number }>;
  total: ReviewFigures;
}

interface Decided {
  kind: string;
  reviewer: string;
  onBehalf: boolean;
  hours: number;
  overdue: boolean;
}

const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

function figures(items: Decided[]): ReviewFigures {
  const hours = items.map((d) => d.hours).sort((a, b) => a - b);
  return { decided: items.length, medianHours: round(quantile(hours, 0.5)), p90Hours: round(quantile(hours, 0.9)), overdue: items.filter((d) => d.overdue).length };
}

function groupBy<K extends string>(items: Decided[], key: (d: Decided) => K): Map<K, Decided[]> {
  const groups = new Map<K, Decided[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The report over reviewers' records (`decisions`, from the store) and every record of their processes.
 * Only decision events count (approve, reject, conclude, …: a kind's events marked `decision`).
 */
export function reviewReport(decisions: DecisionRow[], records: TransitionRecord[]): ReviewReport {
  const byProcess = new Map<string, TransitionRecord[]>();
  for (const r of records) byProcess.set(r.processId, [...(byProcess.get(r.processId) ?? []), r]);
  const decided: Decided[] = [];
  for (const { record, kind: kindName, kindVersion, context } of decisions) {
    const kind = kindOf(kindName, kindVersion);
    if (!kind?.events[record.event]?.decision) continue;
    const before = (byProcess.get(record.processId) ?? []).filter((r) => r.seq < record.seq);
    const since = reviewOpenedAt(before, record);
    if (!since) continue;
    const due = (context as { settings?: { review?: { due?: ReviewDue } } } | null)?.settings?.review?.due;
    decided.push({
      kind: kindName,
      reviewer: record.actorId,
      onBehalf: record.onBehalfOf !== undefined,
      hours: workingHoursBetween(since, record.at),
      overdue: due !== undefined && record.at > reviewDueAt(since, due),
    });
  }
  return {
    byKind: [...groupBy(decided, (d) => d.kind)].map(([kind, items]) => ({ kind, ...figures(items) })),
    byReviewer: [...groupBy(decided, (d) => d.reviewer)].map(([reviewer, items]) => ({ reviewer, ...figures(items), onBehalf: items.filter((d) => d.onBehalf).length })),
    total: figures(decided),
  };
}
