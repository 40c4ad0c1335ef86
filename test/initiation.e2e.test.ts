import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprint } from './support/flows';
import { startProduct, type Product } from './support/product';

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

const types = (body: { allowedActions: Array<{ type: string; params?: Record<string, unknown> }> }) =>
  body.allowedActions.map((a) => (a.params?.subject ? `${a.type}:${a.params.subject}` : a.type));

describe('project initiation review of a baseline solution, on the real Temporal server', () => {
  it('R20 starts under review (立项审核中) and shows the three initiation statuses with their exact labels', async () => {
    const started = await product.start('acme', 'initiation-review', { solution: 'Smart retail', description: 'Stores on the cloud' }, { businessKey: 'smart-retail' });
    expect(started.status).toBe(201);
    expect(started.body.label['zh-CN']).toContain('立项审核中');
    expect(started.body.waitingFor).toEqual(['reviewer']);
    expect(started.body.dueAt).toEqual(expect.any(String));
    expect(types(await product.view('li', started.body.id).then((r) => r.body))).toEqual(['APPROVE:initiation', 'REJECT:initiation']);

    const kind = (await product.call('acme', 'GET', '/v1/kinds/initiation-review')).body;
    const labels = Object.fromEntries(kind.states.map((s: { id: string; label: { 'zh-CN': string } }) => [s.id, s.label['zh-CN']]));
    expect(labels).toMatchObject({
      'open.initiation.underReview': '立项审核中',
      'open.initiation.notPassed': '立项审核不通过',
      'open.initiation.complete': '立项完成',
    });
  });

  it('R21 a rejected solution shows the review comments; the partner modifies it and resubmits', async () => {
    const { body } = await product.start('acme', 'initiation-review', { solution: 'Smart port' }, { businessKey: 'smart-port' });
    const rejected = await product.act('li', body.id, { type: 'REJECT', subject: 'initiation', comment: 'Add the network topology' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.label['zh-CN']).toContain('立项审核不通过');
    expect(rejected.body.waitingFor).toEqual(['partner']);

    const seen = await product.view('acme', body.id);
    expect(seen.body.data.comments).toEqual({ initiation: 'Add the network topology' });
    expect(seen.body.records.at(-1)).toMatchObject({ event: 'REJECT', comment: 'Add the network topology', role: 'reviewer' });
    expect(types(seen.body)).toContain('SUBMIT');

    const resubmitted = await product.act('acme', body.id, { type: 'SUBMIT', solution: 'Smart port', description: 'With the network topology' });
    expect(resubmitted.status).toBe(200);
    expect(resubmitted.body.label['zh-CN']).toContain('立项审核中');
    expect(resubmitted.body.data.solution).toMatchObject({ name: 'Smart port', description: 'With the network topology' });
  });

  it('R22 passing the solution review completes the initiation; the process stays open for joint design', async () => {
    const { body } = await product.start('acme', 'initiation-review', { solution: 'Smart campus' }, { businessKey: 'smart-campus' });
    const approved = await product.act('li', body.id, { type: 'APPROVE', subject: 'initiation', comment: 'Sound solution' });
    expect(approved.status).toBe(200);
    expect(approved.body.label['zh-CN']).toContain('立项完成');
    expect(approved.body.done).toBe(false);
    expect(approved.body.waitingFor).toEqual([]);
    expect(types((await product.view('acme', body.id)).body)).toEqual(['APPLY_JOINT_DESIGN', 'WITHDRAW']);
  });

  it('R23 joint design & verification can be applied for in each of the three statuses, and runs its own apply → review → result', async () => {
    // Under review, not passed, complete: one process in each initiation status.
    const underReview = (await product.start('globex', 'initiation-review', { solution: 'A' }, { businessKey: 'jd-a' })).body.id;
    const notPassed = (await product.start('globex', 'initiation-review', { solution: 'B' }, { businessKey: 'jd-b' })).body.id;
    await product.act('li', notPassed, { type: 'REJECT', subject: 'initiation', comment: 'Too vague' });
    const complete = (await product.start('globex', 'initiation-review', { solution: 'C' }, { businessKey: 'jd-c' })).body.id;
    await product.act('li', complete, { type: 'APPROVE', subject: 'initiation' });

    for (const id of [underReview, notPassed, complete]) {
      const applied = await product.act('globex', id, { type: 'APPLY_JOINT_DESIGN', plan: 'Co-design with the vendor lab' });
      expect(applied.status, JSON.stringify(applied.body)).toBe(200);
      expect(applied.body.label['zh-CN']).toContain('联合设计与验证审核中');
      expect(applied.body.waitingFor).toContain('reviewer');
    }

    // Its own review: rejected, applied for again, passed. A decision names which review it decides.
    const wrongSubject = await product.act('li', underReview, { type: 'APPROVE' });
    expect(wrongSubject.status).toBe(422);
    expect(wrongSubject.body.error.reason).toMatch(/subject/);
    expect((await product.act('li', complete, { type: 'REJECT', subject: 'joint-design', comment: 'Plan the test bed' })).body.label['zh-CN']).toContain('联合设计与验证不通过');
    const again = await product.act('globex', complete, { type: 'APPLY_JOINT_DESIGN', plan: 'With a test bed' });
    expect(again.body.label['zh-CN']).toContain('联合设计与验证审核中');

    // Applying twice while under review is refused and changes nothing.
    const before = await footprint(product, complete);
    const twice = await product.act('globex', complete, { type: 'APPLY_JOINT_DESIGN' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.reason).toContain('allowed now');
    expect(await footprint(product, complete)).toEqual(before);

    // Initiation complete and joint design passed: the process ends (DESIGN.md), and refuses anything more.
    const passed = await product.act('wang', complete, { type: 'APPROVE', subject: 'joint-design', comment: 'Verified' });
    expect(passed.body).toMatchObject({ done: true, state: 'complete' });
    expect(passed.body.label['zh-CN']).toBe('立项完成，联合设计与验证通过');
    const after = await product.act('globex', complete, { type: 'APPLY_JOINT_DESIGN' });
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('process_ended');

    // Both reviews pending at once: the label joins both regions, and each review is decided on its own.
    const both = await product.view('li', underReview);
    expect(both.body.label['zh-CN']).toBe('立项审核中；联合设计与验证审核中');
    expect(types(both.body)).toEqual(['APPROVE:initiation', 'APPROVE:joint-design', 'REJECT:initiation', 'REJECT:joint-design']);
    const rejectInitiation = await product.act('li', underReview, { type: 'REJECT', subject: 'initiation', comment: 'Missing costs' });
    expect(rejectInitiation.body.label['zh-CN']).toBe('立项审核不通过；联合设计与验证审核中');
    expect(rejectInitiation.body.waitingFor).toEqual(['partner', 'reviewer']);
  });

  it('R23 nothing can be applied for once the solution is withdrawn', async () => {
    const { body } = await product.start('acme', 'initiation-review', { solution: 'Withdrawn one' }, { businessKey: 'withdrawn' });
    const withdrawn = await product.act('acme', body.id, { type: 'WITHDRAW' });
    expect(withdrawn.body).toMatchObject({ done: true, state: 'withdrawn' });
    const refused = await product.act('acme', body.id, { type: 'APPLY_JOINT_DESIGN' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('process_ended');
  });

  it('R72 a reviewer cannot submit, a partner cannot decide, another partner cannot see it', async () => {
    const { body } = await product.start('acme', 'initiation-review', { solution: 'Guarded' }, { businessKey: 'guarded' });
    expect((await product.act('acme', body.id, { type: 'APPROVE', subject: 'initiation' })).status).toBe(403);
    expect((await product.act('li', body.id, { type: 'APPLY_JOINT_DESIGN' })).status).toBe(403);
    expect((await product.view('globex', body.id)).status).toBe(404);
  });
});
