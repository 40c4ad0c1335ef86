import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint } from './support/flows';
import { startProduct, type Product } from './support/product';

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

const handover = [{ name: 'Handover report', url: 'https://files.acme.example/handover.pdf' }];
const evidence = [
  { name: 'Acceptance certificate', url: 'https://files.acme.example/acceptance.pdf' },
  { name: 'Customer sign-off', url: 'https://files.acme.example/sign-off.pdf' },
];

describe('project delivery evaluation, on the real Temporal server', () => {
  it('R30 works on a project whose delivery materials are submitted (交付材料提交), and refuses one without', async () => {
    const started = await product.start('acme', 'delivery-evaluation', { project: 'Smart retail', materials: handover }, { businessKey: 'retail-delivery' });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ state: 'materialsSubmitted', waitingFor: ['partner'] });
    expect(started.body.label['zh-CN']).toBe('交付材料提交');
    expect(started.body.allowedActions.map((a: { type: string }) => a.type)).toEqual(['SUBMIT_EVIDENCE', 'WITHDRAW']);

    const none = await product.start('acme', 'delivery-evaluation', { project: 'No materials', materials: [] }, { businessKey: 'no-materials' });
    expect(none.status).toBe(422);
    expect(none.body.error.reason).toMatch(/materials: .*delivery materials submitted/);
    expect(await product.store.getProcess('delivery-evaluation:' + product.people.acme.partnerId + ':no-materials')).toBeNull();
  });

  it('R31 the partner feeds back evidence materials, again when the reviewer asks for more', async () => {
    const { body } = await product.start('acme', 'delivery-evaluation', { project: 'Smart port', materials: handover }, { businessKey: 'port-delivery' });
    const bad = await product.act('acme', body.id, { type: 'SUBMIT_EVIDENCE', evidence: [{ name: 'No link' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.error.reason).toMatch(/evidence\.0\.url/);

    const first = await product.act('acme', body.id, { type: 'SUBMIT_EVIDENCE', evidence, note: 'Signed by the customer' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ state: 'underEvaluation', waitingFor: ['reviewer'] });
    const more = await product.act('li', body.id, { type: 'REQUEST_MORE', comment: 'Add the performance test report' });
    expect(more.body).toMatchObject({ state: 'moreEvidenceRequested', waitingFor: ['partner'] });
    expect(more.body.label['zh-CN']).toBe('待补充举证材料');
    const second = await product.act('acme', body.id, {
      type: 'SUBMIT_EVIDENCE',
      evidence: [{ name: 'Performance test report', url: 'https://files.acme.example/perf.pdf' }],
    });
    expect(second.body.state).toBe('underEvaluation');
    expect(second.body.data.evidence).toHaveLength(2);
    expect(second.body.data.evidence[0]).toMatchObject({ items: evidence, note: 'Signed by the customer' });
    expect(second.body.data.requests).toEqual([{ comment: 'Add the performance test report', at: expect.any(String) }]);
  });

  it('R32 once the evaluation is concluded the process ends, and nothing can be submitted to it', async () => {
    const { body } = await product.start('acme', 'delivery-evaluation', { project: 'Smart campus', materials: handover }, { businessKey: 'campus-delivery' });
    await product.act('acme', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    const concluded = await product.act('wang', body.id, { type: 'CONCLUDE', result: 'passed', comment: 'Delivered as agreed' });
    expect(concluded.status).toBe(200);
    expect(concluded.body).toMatchObject({ done: true, state: 'passed', waitingFor: [], allowedActions: [] });
    expect(concluded.body.label['zh-CN']).toBe('评价完成：通过');

    const before = await footprint(product, body.id);
    const late = await product.act('acme', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('process_ended');
    expect((await product.act('li', body.id, { type: 'CONCLUDE', result: 'failed' })).status).toBe(409);
    expect(await footprint(product, body.id)).toEqual(before);
  });

  it('R32 a failed evaluation ends the process too, and the partner hears the outcome', async () => {
    expect((await product.call('globex', 'PATCH', `/v1/partners/${product.people.globex.partnerId}`, { contact: { email: 'delivery@globex.example' } })).status).toBe(200);
    const { body } = await product.start('globex', 'delivery-evaluation', { project: 'Data lake', materials: handover }, { businessKey: 'lake-delivery' });
    await product.act('globex', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    const failed = await product.act('li', body.id, { type: 'CONCLUDE', result: 'failed', comment: 'No customer sign-off' });
    expect(failed.body).toMatchObject({ done: true, state: 'failed' });
    const told = (await product.store.listOutbox({ processId: body.id })).filter((m) => m.audience === 'partner');
    expect(told.map((m) => [m.recipient, m.subject])).toContainEqual(['delivery@globex.example', expect.stringContaining('交付评价不通过')]);
  });

  it('R72 only reviewers conclude, only the partner feeds back evidence', async () => {
    const { body } = await product.start('acme', 'delivery-evaluation', { project: 'Guarded', materials: handover }, { businessKey: 'guarded-delivery' });
    expect((await product.act('li', body.id, { type: 'SUBMIT_EVIDENCE', evidence })).status).toBe(403);
    expect((await product.act('globex', body.id, { type: 'SUBMIT_EVIDENCE', evidence })).status).toBe(404);
    await product.act('acme', body.id, { type: 'SUBMIT_EVIDENCE', evidence });
    expect((await product.act('acme', body.id, { type: 'CONCLUDE', result: 'passed' })).status).toBe(403);
  });
});
