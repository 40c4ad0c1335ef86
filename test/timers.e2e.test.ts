import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materials } from './support/fixtures';
import { certifyBusiness, eventually } from './support/flows';
import { startProduct, type Product } from './support/product';

/**
 * A review's reminder and overdue delays (R70) are kept by one engine timer, set for the earliest of
 * them (driver generation 4): each still fires once, in order, and a decision cancels both.
 */

let product: Product;
beforeAll(async () => {
  product = await startProduct({ env: { REVIEW_DUE: '{"*":{"ms":2500}}', REVIEW_REMIND_BEFORE_MS: '1500' } });
  await certifyBusiness(product, 'acme');
});
afterAll(() => product?.stop());

const timerEvents = async (id: string) => {
  const { events } = await product.client.temporal.workflow.getHandle(id).fetchHistory();
  const count = (type: temporal.api.enums.v1.EventType) => (events ?? []).filter((e) => e.eventType === type).length;
  const { EVENT_TYPE_TIMER_STARTED, EVENT_TYPE_TIMER_FIRED, EVENT_TYPE_TIMER_CANCELED } = temporal.api.enums.v1.EventType;
  return { started: count(EVENT_TYPE_TIMER_STARTED), fired: count(EVENT_TYPE_TIMER_FIRED), canceled: count(EVENT_TYPE_TIMER_CANCELED) };
};

describe('the delays of a waiting review', () => {
  it('R70 a waiting review is reminded, then escalated as overdue, each once and in order', async () => {
    const id = (await product.start('acme', 'nre-milestones', {}, { businessKey: 'delays-fire' })).body.id as string;
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    const view = await eventually(() => product.view('li', id), (r) => r.body.records.some((x: any) => x.event === 'reviewOverdue'), 20_000);
    expect(view.body.records.map((r: any) => r.event).filter((e: string) => e.startsWith('review'))).toEqual(['reviewReminder', 'reviewOverdue']);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await product.view('li', id)).body.records.filter((r: any) => r.event.startsWith('review'))).toHaveLength(2);
    // One engine timer at a time: set for the reminder, then for the overdue.
    expect(await timerEvents(id)).toEqual({ started: 2, fired: 2, canceled: 0 });
  });

  it('R70 a review decided in time cancels its reminder and its escalation with one engine timer', async () => {
    const id = (await product.start('acme', 'nre-milestones', {}, { businessKey: 'delays-cancelled' })).body.id as string;
    await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    await product.act('li', id, { type: 'APPROVE' });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await product.view('li', id)).body.records.map((r: any) => r.event)).not.toContain('reviewReminder');
    expect(await timerEvents(id)).toEqual({ started: 1, fired: 0, canceled: 1 });
  });
});
