import type { Person, Product } from './product';
import { licence } from './fixtures';

/** Steps several tests take on the way to what they test, over the real API. */

export async function certifyBusiness(product: Product, partner: Person, reviewer: Person = 'li') {
  const { process } = await product.as(partner).start({ kind: 'business-certification' });
  await product.as(partner).act(process.id, { type: 'SUBMIT', ...licence });
  await product.as(reviewer).act(process.id, { type: 'APPROVE', comment: 'Licence verified' });
  return process.id;
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
