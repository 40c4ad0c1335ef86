import { describe, expect, it } from 'vitest';
import { beijingClock, reviewDueAt, toBeijingTime } from '../machines/time';

describe('review due times, computed in GMT+08:00', () => {
  it('R70 counts working days on the Beijing calendar and is due at 18:00 Beijing time', () => {
    // Thursday 2026-11-26 10:00 in Beijing: three working days on is Tuesday, over the weekend.
    expect(toBeijingTime(reviewDueAt('2026-11-26T02:00:00.000Z', { workingDays: 3 }))).toBe('2026-12-01T18:00:00.000+08:00');
    // Thursday 23:30 in Beijing is still Thursday 15:30 UTC: the Beijing date counts, not the UTC one.
    expect(toBeijingTime(reviewDueAt('2026-11-26T15:30:00.000Z', { workingDays: 1 }))).toBe('2026-11-27T18:00:00.000+08:00');
    // Friday 00:30 in Beijing is Thursday 16:30 UTC: due Monday.
    expect(toBeijingTime(reviewDueAt('2026-11-26T16:30:00.000Z', { workingDays: 1 }))).toBe('2026-11-30T18:00:00.000+08:00');
    // Submitted on a Saturday: Monday is the first working day.
    expect(toBeijingTime(reviewDueAt('2026-11-28T03:00:00.000Z', { workingDays: 1 }))).toBe('2026-11-30T18:00:00.000+08:00');
  });

  it('R70 a fixed duration is simply added, and times are stored as UTC', () => {
    expect(reviewDueAt('2026-11-26T02:00:00.000Z', { ms: 90 * 60 * 1000 })).toBe('2026-11-26T03:30:00.000Z');
    expect(beijingClock('2026-12-01T10:00:00.000Z')).toBe('2026-12-01 18:00 (GMT+08:00)');
  });
});
