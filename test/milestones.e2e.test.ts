import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certifyBusiness, eventually, footprint } from './support/flows';
import { startProduct, type Product } from './support/product';
import { materials } from './support/fixtures';

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

describe('NRE milestone acceptance over the API, on the real Temporal server', () => {
  it('R10 refuses milestone 1 before business-information certification, then accepts it once certification passes', async () => {
    const started = await product.start('acme', 'nre-milestones', { project: 'Smart factory' }, { businessKey: 'smart-factory' });
    expect(started.status).toBe(201);
    const id = started.body.id;
    expect(started.body.allowedActions.map((a: { type: string }) => a.type)).not.toContain('APPLY');

    const before = await footprint(product, id);
    const refused = await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('business_certification_required');
    expect(refused.body.error.reason).toMatch(/business-information certification/);
    expect(await footprint(product, id)).toEqual(before);

    // Certification is another process; when it passes, it tells this one (a fact arriving as an event).
    await certifyBusiness(product, 'acme');
    const view = await eventually(
      () => product.view('acme', id),
      (r) => r.body.allowedActions.some((a: { type: string }) => a.type === 'APPLY'),
    );
    expect(view.body.allowedActions.find((a: { type: string }) => a.type === 'APPLY').params).toEqual({ milestone: 1 });
    expect(view.body.records.at(-1)).toMatchObject({ event: 'FACT', role: 'system' });
    expect((await product.act('acme', id, { type: 'APPLY', milestone: 1, materials })).status).toBe(200);
  });

  it('R10 a milestone process started after certification reads the fact at start', async () => {
    const started = await product.start('acme', 'nre-milestones', {}, { businessKey: 'second-project' });
    expect(started.body.allowedActions.find((a: { type: string }) => a.type === 'APPLY')?.params).toEqual({ milestone: 1 });
  });

  it('R10 facts a milestone process does not use leave no record and do not move its version', async () => {
    const { body } = await product.start('globex', 'nre-milestones', {}, { businessKey: 'quiet' });
    const onboarding = (await product.start('globex', 'partner-onboarding', { companyName: 'Globex' })).body.id;
    await product.act('system', onboarding, { type: 'REAL_NAME_VERIFIED' });
    await product.act('system', onboarding, { type: 'REAL_NAME_VERIFIED' });
    const after = await product.view('globex', body.id);
    expect(after.body.version).toBe(body.version);
    expect(after.body.records).toHaveLength(1);
  });

  it('R11 R12 refuses milestone 2 before milestone 1 passed, and the refusal changes nothing', async () => {
    await certifyBusiness(product, 'globex');
    const { body } = await product.start('globex', 'nre-milestones', { project: 'Data lake' }, { businessKey: 'data-lake' });
    const id = body.id;
    const before = await footprint(product, id);
    const early = await product.act('globex', id, { type: 'APPLY', milestone: 2, materials });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'milestone_out_of_order' });
    expect(early.body.error.reason).toContain('before milestone 1 has passed');
    expect(await footprint(product, id)).toEqual(before);

    expect((await product.act('globex', id, { type: 'APPLY', milestone: 1, materials })).status).toBe(200);
    // Under review is not passed: milestone 2 still waits (R12).
    const whileReviewed = await product.act('globex', id, { type: 'APPLY', milestone: 2, materials });
    expect(whileReviewed.status).toBe(409);
    const passed = await product.act('li', id, { type: 'APPROVE' });
    expect(passed.body.label.en).toBe('Milestone 1 accepted; ready to apply for milestone 2');
    expect(passed.body.label['zh-CN']).toBe('里程碑1验收通过，待发起里程碑2验收');
    expect((await product.act('globex', id, { type: 'APPLY', milestone: 3, materials })).body.error.code).toBe('milestone_out_of_order');
  });

  it('R13 a rejected milestone is corrected and applied for again; accepting milestone 3 ends the process', async () => {
    const { body } = await product.start('globex', 'nre-milestones', {}, { businessKey: 'full-run' });
    const id = body.id;
    for (const milestone of [1, 2, 3]) {
      expect((await product.act('globex', id, { type: 'APPLY', milestone, materials: [{ name: `m${milestone}`, url: 'https://files.example/m.pdf' }] })).status).toBe(200);
      const rejected = await product.act('wang', id, { type: 'REJECT', comment: `Milestone ${milestone} report lacks test evidence` });
      expect(rejected.body.state).toBe('rejected');
      expect(rejected.body.label['zh-CN']).toBe(`里程碑${milestone}验收不通过`);
      expect((await product.act('globex', id, { type: 'APPLY', milestone, materials })).status).toBe(200);
      expect((await product.act('li', id, { type: 'APPROVE', comment: 'Evidence complete' })).status).toBe(200);
    }
    const done = await product.view('globex', id);
    expect(done.body).toMatchObject({ state: 'accepted', done: true, allowedActions: [] });
    expect(done.body.data.accepted).toBe(3);
    const events = done.body.records.map((r: { event: string }) => r.event);
    expect(events.filter((e: string) => e === 'APPLY')).toHaveLength(6);
    expect(events.filter((e: string) => e === 'REJECT')).toHaveLength(3);

    const after = await product.act('globex', id, { type: 'APPLY', milestone: 1, materials });
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('process_ended');
  });
});
