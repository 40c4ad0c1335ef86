/** `2026-11-26T12:00:00.000+08:00` (the API's `…Local` fields) → `2026-11-26 12:00:00`; the heading says GMT+08:00. */
export function localTime(atLocal: string | null | undefined): string {
  if (!atLocal) return '';
  return atLocal.replace('T', ' ').replace(/\.\d+/, '').replace('+08:00', '');
}
