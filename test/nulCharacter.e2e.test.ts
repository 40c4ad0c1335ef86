import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { materials } from './support/fixtures';
import { certifyBusiness, footprint } from './support/flows';
import { startProduct, type Product } from './support/product';

/**
 * A NUL character (U+0000) cannot be stored as PostgreSQL text. Found by the soak run on the cluster: on a
 * PostgreSQL records store a lookup with one answered 500, and an accepted comment with one would make the
 * step's record fail to write, again and again. So it is refused at the edge, wherever it is (R73).
 */
let product: Product;
let id: string;
beforeAll(async () => {
  product = await startProduct();
  await certifyBusiness(product, 'acme');
  id = (await product.start('acme', 'nre-milestones', {}, { businessKey: 'nul' })).body.id;
  expect((await product.act('acme', id, { type: 'APPLY', milestone: 1, materials })).status).toBe(200);
});
afterAll(() => product?.stop());

describe('R73 NUL characters', () => {
  it('R73 a NUL character in the path, the query or anywhere in a JSON body is refused with 400 nul_character, and changes nothing', async () => {
    const before = await footprint(product, id);
    const refusals = [
      await product.call('acme', 'GET', `/v1/processes/${encodeURIComponent(`${id}\u0000`)}`),
      await product.call('acme', 'GET', '/v1/processes?kind=nre%00milestones'),
      await product.call('li', 'GET', '/v1/tasks?partnerId=%00'),
      await product.act('li', id, { type: 'REJECT', comment: 'Evidence\u0000missing' }),
      await product.act('acme', id, { type: 'WITHDRAW', 'note\u0000': 'x' }),
      await product.start('acme', 'nre-milestones', { project: 'Smart\u0000factory' }, { businessKey: 'nul-2' }),
      await product.call('acme', 'PATCH', `/v1/partners/${product.people.acme.partnerId}`, { companyName: 'Acme\u0000' }),
    ];
    for (const reply of refusals) expect(reply, JSON.stringify(reply.body)).toMatchObject({ status: 400, body: { error: { code: 'nul_character' } } });
    expect(refusals[0].body.error.reason).toMatch(/NUL character \(U\+0000\)/);
    expect(await footprint(product, id)).toEqual(before);
    expect((await product.call('acme', 'GET', '/v1/processes?kind=nre-milestones')).body.items.map((p: { id: string }) => p.id)).toEqual([id]);
    // The same comment without the NUL is taken.
    expect((await product.act('li', id, { type: 'REJECT', comment: 'Evidence missing' })).status).toBe(200);
  });
});
