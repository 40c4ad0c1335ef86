/** The partner center's clock is Beijing time (R70): stored as UTC, shown and scheduled in GMT+08:00. */
const offsetMs = 8 * 3600 * 1000;
const dayMs = 24 * 3600 * 1000;

/** `2026-11-26T04:00:00.000Z` → `2026-11-26T12:00:00.000+08:00`: the same instant, as a person in the partner center reads it. */
export function toBeijingTime(utcIso: string): string {
  return new Date(Date.parse(utcIso) + offsetMs).toISOString().replace('Z', '+08:00');
}

/** When a review must be decided: a fixed duration, or the close of business (18:00 GMT+08:00) on the n-th working day after submission. */
export type ReviewDue = { workingDays: number } | { ms: number };

/**
 * The due time of a review submitted at `submittedAt` (ISO UTC), as ISO UTC. Working days are Monday to
 * Friday in Beijing; public holidays are not known to the product, so ops extend those by hand.
 */
export function reviewDueAt(submittedAt: string, due: ReviewDue): string {
  const at = Date.parse(submittedAt);
  if ('ms' in due) return new Date(at + due.ms).toISOString();
  // Work on the Beijing calendar date: shift to GMT+08:00, count days there, then shift back.
  let local = Math.floor((at + offsetMs) / dayMs) * dayMs;
  for (let left = due.workingDays; left > 0; ) {
    local += dayMs;
    const weekday = new Date(local).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return new Date(local + 18 * 3600 * 1000 - offsetMs).toISOString();
}

/** `2026-11-26 18:00 (GMT+08:00)`: a time as a message to a person states it. */
export const beijingClock = (utcIso: string) => `${toBeijingTime(utcIso).slice(0, 16).replace('T', ' ')} (GMT+08:00)`;
