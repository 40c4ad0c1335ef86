/** The partner center's clock is Beijing time (R70): stored as UTC, shown in GMT+08:00. */
const offsetMs = 8 * 3600 * 1000;

/** `2026-11-26T04:00:00.000Z` → `2026-11-26T12:00:00.000+08:00`: the same instant, as a person in the partner center reads it. */
export function toBeijingTime(utcIso: string): string {
  return new Date(Date.parse(utcIso) + offsetMs).toISOString().replace('Z', '+08:00');
}
