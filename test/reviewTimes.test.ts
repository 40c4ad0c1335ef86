import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quantile, reviewOpenedAt, reviewReport, stateLeaves, workingHoursBetween } from '../api/reviewTimes';
import type { DecisionRow } from '../store/db';
import type { TransitionRecord } from '../store/model';

/** The review-time report's arithmetic: working hours on the GMT+08:00 calendar, quantiles, and when a decided review was opened. */

/** A time on the partner center's clock: `2026-11-30 10:00` Beijing (a Monday). */
const bj = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`).toISOString();

describe('working hours (R70)', () => {
  it('R70 counts Monday to Friday, 09:00–18:00 in GMT+08:00, whatever zone the instants were written in', () => {
    expect(workingHoursBetween(bj('2026-11-30 10:00'), bj('2026-11-30 12:30'))).toBe(2.5);
    // 01:00 UTC is 09:00 in Beijing: the whole working day.
    expect(workingHoursBetween('2026-11-30T01:00:00Z', '2026-11-30T10:00:00Z')).toBe(9);
    expect(workingHoursBetween(bj('2026-11-30 07:00'), bj('2026-11-30 20:00'))).toBe(9);
    // Friday 17:00 to Monday 10:00: an hour each side of the weekend.
    expect(workingHoursBetween(bj('2026-12-04 17:00'), bj('2026-12-07 10:00'))).toBe(2);
    expect(workingHoursBetween(bj('2026-12-05 09:00'), bj('2026-12-06 18:00'))).toBe(0);
    // Overnight: the evening and the night are not working time.
    expect(workingHoursBetween(bj('2026-12-01 17:30'), bj('2026-12-02 09:30'))).toBe(1);
    expect(workingHoursBetween(bj('2026-12-02 09:30'), bj('2026-12-01 17:30'))).toBe(0);
    // A full working week.
    expect(workingHoursBetween(bj('2026-11-30 00:00'), bj('2026-12-07 00:00'))).toBe(45);
  });

  it('R70 is additive and never more than the time elapsed', () => {
    const instant = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') });
    fc.assert(
      fc.property(instant, instant, instant, (x, y, z) => {
        const [a, b, c] = [x, y, z].sort((p, q) => p - q).map((t) => new Date(t).toISOString());
        const whole = workingHoursBetween(a, c);
        expect(whole).toBeCloseTo(workingHoursBetween(a, b) + workingHoursBetween(b, c), 6);
        expect(whole).toBeLessThanOrEqual((Date.parse(c) - Date.parse(a)) / 3600_000 + 1e-9);
      }),
    );
  });
});

describe('quantiles', () => {
  it('interpolate between the closest ranks', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([4], 0.9)).toBe(4);
    expect(quantile([1, 2], 0.5)).toBe(1.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5.5);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
  });
});

const record = (seq: number, at: string, event: string, from: string | null, to: string, over: Partial<TransitionRecord> = {}): TransitionRecord => ({
  processId: 'p',
  seq,
  at,
  actorId: 'alice@acme',
  role: 'partner',
  event,
  from,
  to,
  ...over,
});

describe('when a decided review was opened', () => {
  it('R71 is the step that brought the process into the state it was decided in; reminders and facts in between do not reopen it', () => {
    const records = [
      record(0, bj('2026-11-30 09:00'), 'START', null, 'notSubmitted'),
      record(1, bj('2026-11-30 10:00'), 'SUBMIT', 'notSubmitted', 'underReview'),
      record(2, bj('2026-11-30 11:00'), 'REJECT', 'underReview', 'rejected', { role: 'reviewer', actorId: 'li' }),
      record(3, bj('2026-11-30 14:00'), 'SUBMIT', 'rejected', 'underReview'),
      record(4, bj('2026-12-01 09:00'), 'reviewReminder', 'underReview', 'underReview', { role: 'system' }),
      record(5, bj('2026-12-01 10:00'), 'APPROVE', 'underReview', 'certified', { role: 'reviewer', actorId: 'wang' }),
    ];
    expect(reviewOpenedAt(records.slice(0, 2), records[2])).toBe(records[1].at);
    expect(reviewOpenedAt(records.slice(0, 5), records[5])).toBe(records[3].at);
  });

  it('R20 with parallel reviews, is the step that opened the decided region’s review', () => {
    // The driver's keys: regions of a parallel state in parentheses.
    const records = [
      record(0, bj('2026-11-30 09:00'), 'START', null, 'open.(initiation.underReview | jointDesign.notApplied)'),
      record(1, bj('2026-11-30 15:00'), 'APPLY_JOINT_DESIGN', 'open.(initiation.underReview | jointDesign.notApplied)', 'open.(initiation.underReview | jointDesign.underReview)'),
      record(2, bj('2026-12-01 10:00'), 'APPROVE', 'open.(initiation.underReview | jointDesign.underReview)', 'open.(initiation.complete | jointDesign.underReview)', {
        role: 'reviewer',
        payload: { subject: 'initiation' },
      }),
      record(3, bj('2026-12-01 11:00'), 'APPROVE', 'open.(initiation.complete | jointDesign.underReview)', 'complete', { role: 'reviewer', payload: { subject: 'joint-design' } }),
    ];
    expect(stateLeaves(records[1].to)).toEqual(['open.initiation.underReview', 'open.jointDesign.underReview']);
    expect(reviewOpenedAt(records.slice(0, 2), records[2])).toBe(records[0].at);
    expect(reviewOpenedAt(records.slice(0, 3), records[3])).toBe(records[1].at);
  });

  it('R70 the report groups by kind and reviewer, counts decisions on behalf of others and those after their due time', () => {
    const settings = { review: { due: { workingDays: 1 }, remindBeforeMs: 0 }, payment: { reminderMs: 1 } };
    const process = (id: string, submitted: string, decided: string, reviewer: string, onBehalfOf?: string) => {
      const records = [
        record(0, submitted, 'START', null, 'notSubmitted', { processId: id }),
        record(1, submitted, 'SUBMIT', 'notSubmitted', 'underReview', { processId: id }),
        record(2, decided, 'APPROVE', 'underReview', 'certified', { processId: id, role: 'reviewer', actorId: reviewer, ...(onBehalfOf ? { onBehalfOf } : {}) }),
      ];
      const decision: DecisionRow = { record: records[2], kind: 'business-certification', kindVersion: 1, context: { settings } };
      return { records, decision };
    };
    const all = [
      process('a', bj('2026-11-30 10:00'), bj('2026-11-30 12:00'), 'li'),
      process('b', bj('2026-11-30 10:00'), bj('2026-11-30 16:00'), 'li'),
      // Due the next working day at 18:00; decided the day after: overdue.
      process('c', bj('2026-11-30 10:00'), bj('2026-12-02 10:00'), 'wang', 'li'),
    ];
    const report = reviewReport(
      all.map((p) => p.decision),
      all.flatMap((p) => p.records),
    );
    expect(report.total).toEqual({ decided: 3, medianHours: 6, p90Hours: 15.6, overdue: 1 });
    expect(report.byKind).toEqual([{ kind: 'business-certification', decided: 3, medianHours: 6, p90Hours: 15.6, overdue: 1 }]);
    expect(report.byReviewer).toEqual([
      { reviewer: 'li', decided: 2, medianHours: 4, p90Hours: 5.6, overdue: 0, onBehalf: 0 },
      { reviewer: 'wang', decided: 1, medianHours: 18, p90Hours: 18, overdue: 1, onBehalf: 1 },
    ]);
  });
});
