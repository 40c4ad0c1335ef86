import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessClient } from '../engineClient';
import { kindOf } from '../machines/registry';
import { processSettings } from '../worker/config';
import { materials } from './support/fixtures';
import { certifyBusiness, eventually } from './support/flows';
import { startProduct, type Product } from './support/product';

/**
 * Driver generation 2 records a step inside the Update that made it (a local activity), before the
 * engine has committed it. The records store shows it, and the outbox sends its messages, only once
 * the step is known committed: when the Update's caller learns it completed, or, if that caller died
 * in between, when the dispatcher has asked the engine (R71, R74).
 */

let product: Product;
beforeAll(async () => {
  product = await startProduct({ env: { OUTBOX_HELD_GRACE_MS: '600' } });
  await certifyBusiness(product, 'acme');
});
afterAll(() => product?.stop());

const start = async (key: string) => (await product.start('acme', 'nre-milestones', {}, { businessKey: key })).body.id as string;

describe('steps held until the engine committed them', () => {
  it('R71 R74 a step whose caller went away before releasing it is released once the engine says its Update completed', async () => {
    const id = await start('caller-gone');
    // A caller that never releases: the API process died between the Update's answer and the release.
    const forgetful = new ProcessClient(product.client.temporal, { taskQueue: product.config.TASK_QUEUE, settings: processSettings(product.config) });
    const { version } = await forgetful.act(id, { action: { type: 'APPLY', milestone: 1, materials }, actor: product.people.acme as any });
    expect(version).toBe(1);
    expect((await product.store.listRecords(id)).map((r) => r.event)).toEqual(['START']);
    expect((await product.store.getProcess(id))!.state).toBe('open');
    expect((await product.store.listOutbox({ processId: id })).map((m) => m.status)).toEqual(['held']);
    const released = await eventually(() => product.store.listRecords(id), (records) => records.length === 2, 20_000);
    expect(released.map((r) => r.event)).toEqual(['START', 'APPLY']);
    expect((await product.store.getProcess(id))!.state).toBe('underReview');
    await eventually(() => product.store.listOutbox({ processId: id }), (messages) => messages.every((m) => m.status === 'sent'), 20_000);
  });

  it('R71 a start whose caller went away before settling it is released once the engine shows its first task committed', async () => {
    // A caller that never releases: the start step, recorded inside the run's first task, stays held until the dispatcher asks the engine.
    const forgetful = new ProcessClient(product.client.temporal, { taskQueue: product.config.TASK_QUEUE, settings: processSettings(product.config) });
    const id = `nre-milestones:${product.people.acme.partnerId}:start-unsettled`;
    await forgetful.start({ kind: kindOf('nre-milestones')!, processId: id, partnerId: product.people.acme.partnerId, businessKey: 'start-unsettled', input: {}, startedBy: product.people.acme as any });
    expect(await product.store.listRecords(id)).toEqual([]);
    const released = await eventually(() => product.store.listRecords(id), (records) => records.length === 1, 20_000);
    expect(released.map((r) => r.event)).toEqual(['START']);
    expect((await product.store.getProcess(id))!).toMatchObject({ state: 'open', version: 0 });
    const applied = await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    expect(applied.body).toMatchObject({ state: 'underReview', version: 1 });
  });

  it('R73 R74 a step held by an attempt the engine never committed is dropped: never shown, never sent', async () => {
    const id = await start('never-committed');
    const { runId } = await product.client.temporal.workflow.getHandle(id).describe();
    const row = (await product.store.getProcess(id))!;
    // What a worker that died before its workflow task completed leaves behind: a step at the next seq, for an Update the engine never took.
    const record = { processId: id, seq: 1, at: new Date().toISOString(), actorId: 'alice', role: 'partner' as const, event: 'WITHDRAW', from: 'open', to: 'withdrawn' };
    const message = {
      key: `${id}/1/email/ghost@x.test`, processId: id, seq: 1, channel: 'email' as const, recipient: 'ghost@x.test', audience: 'partner' as const,
      subject: 'Withdrawn', body: 'Withdrawn', status: 'pending' as const, createdAt: record.at, sentAt: null,
    };
    await product.store.holdStep({ view: { ...row, state: 'withdrawn', done: true, version: 1 }, records: [record], notifications: [] }, [message], { updateId: 'never-taken', runId });
    await eventually(() => product.store.staleHeldSteps(-60_000, 1000), (held) => !held.some((h) => h.processId === id), 20_000);
    expect((await product.store.listRecords(id)).map((r) => r.event)).toEqual(['START']);
    expect((await product.store.getProcess(id))!).toMatchObject({ state: 'open', done: false, version: 0 });
    expect((await product.store.listOutbox({ processId: id })).map((m) => [m.key, m.status])).toEqual([]);
    // The process goes on as if nothing happened: the next step takes seq 1.
    const applied = await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
    expect(applied.body).toMatchObject({ state: 'underReview', version: 1 });
  });
});
