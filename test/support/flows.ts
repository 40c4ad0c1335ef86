import { expect } from 'vitest';
import type { Person, Product } from './product';
import { licence } from './fixtures';

/** Steps several tests take on the way to what they test, over the real API. */

export async function certifyBusiness(product: Product, partner: Person, reviewer: Person = 'li') {
  const started = await product.start(partner, 'business-certification');
  expect(started.status, JSON.stringify(started.body)).toBeLessThan(300);
  const id = started.body.id as string;
  expect((await product.act(partner, id, { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X', materials: licence.materials })).status).toBe(200);
  const approved = await product.act(reviewer, id, { type: 'APPROVE', comment: 'Licence verified' });
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  return id;
}

/** Polls until `check` passes or the time is up (for what another process or a timer changes). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What a refusal must leave behind: the same version, the same records, no new messages (R73). */
export async function footprint(product: Product, id: string) {
  const row = await product.store.getProcess(id);
  return {
    version: row?.version,
    state: row?.state,
    records: (await product.store.listRecords(id)).length,
    outbox: (await product.store.listOutbox({ processId: id })).length,
  };
}
