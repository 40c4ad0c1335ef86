/**
 * Which bill a run at a given instant generates (R60): the previous month's, in Beijing time, counting
 * usage recorded before 24:00 (GMT+08:00) of the day before the run; due by 12:00 on the 5th.
 */
const offsetMs = 8 * 3600 * 1000;

export interface BillPeriod {
  /** `2026-05`: the billed month, in GMT+08:00. */
  month: string;
  /** The month's first instant and the next month's first instant (ISO UTC). */
  from: string;
  to: string;
  /** 24:00 GMT+08:00 of the day before the run (ISO UTC): usage recorded later is not in this bill. */
  dataCutoff: string;
  /** 12:00 GMT+08:00 on the 5th of the month after the billed one (ISO UTC). */
  dueBy: string;
}

const iso = (beijingFieldsAsUtc: number) => new Date(beijingFieldsAsUtc - offsetMs).toISOString();

export function billPeriodAt(runAt: string): BillPeriod {
  const local = new Date(Date.parse(runAt) + offsetMs);
  const year = local.getUTCFullYear();
  const thisMonth = local.getUTCMonth();
  const billed = new Date(Date.UTC(year, thisMonth - 1, 1));
  return {
    month: `${billed.getUTCFullYear()}-${String(billed.getUTCMonth() + 1).padStart(2, '0')}`,
    from: iso(billed.getTime()),
    to: iso(Date.UTC(year, thisMonth, 1)),
    dataCutoff: iso(Date.UTC(year, thisMonth, local.getUTCDate())),
    dueBy: iso(Date.UTC(year, thisMonth, 5, 12)),
  };
}

/** When the schedule runs a month's bills (R60): 02:00 GMT+08:00 on the 5th of the month after `month` (`2026-05`), ISO UTC. */
export function billRunAt(month: string): string {
  const [year, m] = month.split('-').map(Number);
  return iso(Date.UTC(year, m, 5, 2));
}
