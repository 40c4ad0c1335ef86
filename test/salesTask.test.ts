import { describe, expect, it } from 'vitest';
import { handleSalesTask, salesTaskActions, salesTaskStatuses, type SalesTaskStatus } from '../machines/salesTask';

/** The sales-expansion task's status rule (R67), as a pure function: what each handling action does in each status. */

describe('sales-expansion task status (machines/salesTask.ts)', () => {
  it('R67 an open task is started, noted, completed or closed; a started one the same except started again', () => {
    expect(handleSalesTask('open', 'start')).toEqual({ ok: true, to: 'inProgress' });
    expect(handleSalesTask('open', 'note')).toEqual({ ok: true, to: 'open' });
    expect(handleSalesTask('open', 'complete')).toEqual({ ok: true, to: 'done' });
    expect(handleSalesTask('open', 'close')).toEqual({ ok: true, to: 'closed' });
    expect(handleSalesTask('inProgress', 'note')).toEqual({ ok: true, to: 'inProgress' });
    expect(handleSalesTask('inProgress', 'complete')).toEqual({ ok: true, to: 'done' });
    expect(handleSalesTask('inProgress', 'close')).toEqual({ ok: true, to: 'closed' });
    expect(handleSalesTask('inProgress', 'start')).toMatchObject({ ok: false, refusal: { status: 409, code: 'not_allowed_in_status' } });
  });

  it('R67 a done or closed task takes no handling action, and the refusal names the status in both languages', () => {
    for (const status of ['done', 'closed'] as SalesTaskStatus[])
      for (const action of salesTaskActions) {
        const verdict = handleSalesTask(status, action);
        expect(verdict.ok, `${action} in ${status}`).toBe(false);
        if (!verdict.ok) expect(verdict.refusal.reason).toContain(`"${salesTaskStatuses[status].en}" (${salesTaskStatuses[status]['zh-CN']})`);
      }
  });

  it('R67 every status reached is one the task has labels for', () => {
    for (const from of Object.keys(salesTaskStatuses) as SalesTaskStatus[])
      for (const action of salesTaskActions) {
        const verdict = handleSalesTask(from, action);
        if (verdict.ok) expect(Object.keys(salesTaskStatuses)).toContain(verdict.to);
      }
  });
});
