import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { kindOf, registry } from '../machines/registry';
import { dataConverter, payloadCodec } from '../worker/codec';
import { sampleFigures } from './support/bills';
import { saveNewHistories } from './support/histories';
import { certifyBusiness, eventually } from './support/flows';
import { startProduct, type Product } from './support/product';
import { materials } from './support/fixtures';

let product: Product;
beforeAll(async () => {
  product = await startProduct({ env: { REVIEW_DUE: '{"*":{"ms":600}}', REVIEW_REMIND_BEFORE_MS: '300', PAYMENT_REMINDER_MS: '300' }, historyLimit: 40 });
});
afterAll(() => product?.stop());

describe('determinism of the driver', () => {
  it('replays the histories of every kind — timers, facts, refusals and continue-as-new included — without nondeterminism', async () => {
    const ids: string[] = [];
    const onboarding = (await product.start('acme', 'partner-onboarding', { companyName: 'Acme' })).body.id;
    ids.push(onboarding);
    await product.act('acme', onboarding, { type: 'SUBMIT', program: 'solution-provider' }); // refused: R1
    await product.act('system', onboarding, { type: 'REAL_NAME_VERIFIED' });
    await product.act('acme', onboarding, { type: 'BIND_EMAIL', email: 'a@acme.example' });
    await product.act('acme', onboarding, { type: 'SUBMIT', program: 'solution-provider' });
    await product.act('li', onboarding, { type: 'APPROVE' });

    const milestones = (await product.start('acme', 'nre-milestones', {}, { businessKey: 'replay' })).body.id;
    ids.push(milestones);
    ids.push(await certifyBusiness(product, 'acme'));
    const role = (await product.start('acme', 'role-certification', { role: 'cloud-migration-specialist' }, { businessKey: 'replay' })).body.id;
    ids.push(role);
    await product.act('acme', role, { type: 'SUBMIT' });
    await product.act('wang', role, { type: 'REJECT', comment: 'No migration project yet' });
    await product.act('acme', role, { type: 'WITHDRAW' });

    // A bill as the billing run starts it (the system role, figures in the input), through dispute and invoicing.
    const bill = (await product.start('system', 'partner-bill', sampleFigures(), { businessKey: '2026-05', partnerId: product.people.acme.partnerId })).body.id;
    ids.push(bill);
    await product.act('acme', bill, { type: 'DISPUTE', comment: 'Not our usage' });
    await product.act('li', bill, { type: 'ANSWER_DISPUTE', comment: 'It is' });
    await product.act('acme', bill, { type: 'CONFIRM' });
    await product.act('acme', bill, { type: 'APPLY_INCENTIVE_PAYOUT' });
    await product.act('ops', bill, { type: 'RECEIVE_INVOICE', invoiceNumber: 'FP-1' });
    // Customer creation: its operations' outcomes (cloud account, SMS code) come back as events and replay too.
    const customer = (await product.start('acme', 'customer-creation', { customerId: `replay-${product.people.acme.partnerId}`, name: 'Replay Co.', phone: '+86 138 0000 0000' }, { businessKey: 'replay' })).body.id;
    ids.push(customer);
    await product.act('acme', customer, { type: 'RESEND_CODE' });
    // A customer's request, then a partner's application through pre-review with its timers (R40, R41).
    const asked = (await product.start('qian', 'disassociation', { associationType: 'referral' }, { businessKey: 'replay' })).body.id;
    ids.push(asked);
    await product.act('acme', asked, { type: 'AGREE' });
    const applied = (await product.start('acme', 'disassociation', { associationType: 'resale', customerId: product.people.qian.customerId }, { businessKey: 'replay' })).body.id;
    ids.push(applied);
    await product.act('zhou', applied, { type: 'REJECT', comment: 'Unpaid orders' });
    await product.act('acme', applied, { type: 'APPLY' });
    // A payment left unpaid until its reminder fires, then paid another way (R52).
    const payment = (await product.start('qian', 'partner-payment', { orderId: 'ORD-REPLAY', product: 'OBS', amount: '12.00' }, { businessKey: 'ORD-REPLAY' })).body.id;
    ids.push(payment);
    await eventually(() => product.view('qian', payment), (r) => r.body.state === 'unpaid');
    await product.act('qian', payment, { type: 'PAY_OTHER_WAY' });

    for (const milestone of [1, 2, 3]) {
      await eventually(() => product.act('acme', milestones, { type: 'APPLY', milestone, materials }), (r) => r.status === 200);
      await new Promise((resolve) => setTimeout(resolve, 400)); // let the review reminder fire
      await product.act('li', milestones, { type: 'APPROVE' });
    }
    // Two parallel reviews, each with its reminder and escalation timers firing, then decided.
    const initiation = (await product.start('acme', 'initiation-review', { solution: 'Replay' }, { businessKey: 'replay' })).body.id;
    ids.push(initiation);
    await product.act('acme', initiation, { type: 'APPLY_JOINT_DESIGN', plan: 'Lab' });
    await eventually(() => product.view('li', initiation), (r) => r.body.records.filter((x: { event: string }) => x.event.endsWith('Overdue')).length === 2);
    await product.act('li', initiation, { type: 'REJECT', subject: 'initiation', comment: 'Costs missing' });
    await product.act('acme', initiation, { type: 'SUBMIT', solution: 'Replay', description: 'With costs' });
    await product.act('li', initiation, { type: 'APPROVE', subject: 'initiation' });
    await product.act('wang', initiation, { type: 'APPROVE', subject: 'joint-design' });

    const delivery = (await product.start('acme', 'delivery-evaluation', { project: 'Replay', materials: [{ name: 'Report', url: 'https://x.example/r' }] }, { businessKey: 'replay' })).body.id;
    ids.push(delivery);
    const evidence = [{ name: 'Sign-off', url: 'https://x.example/s' }];
    await product.act('acme', delivery, { type: 'SUBMIT_EVIDENCE', evidence });
    await product.act('li', delivery, { type: 'REQUEST_MORE', comment: 'More' });
    await product.act('acme', delivery, { type: 'SUBMIT_EVIDENCE', evidence });
    await product.act('li', delivery, { type: 'CONCLUDE', result: 'failed' });

    // A process started on nre-milestones v1, waiting for review, moved to v2 by a migration, then decided under v2's rules.
    const migrated = `nre-milestones:${product.people.acme.partnerId}:replay-migrated`;
    ids.push(migrated);
    await product.client.start({ kind: kindOf('nre-milestones', 1)!, processId: migrated, partnerId: product.people.acme.partnerId, businessKey: 'replay-migrated', input: {}, startedBy: product.people.acme as any });
    await product.act('acme', migrated, { type: 'APPLY', milestone: 1 });
    await product.client.migrate(migrated, { to: 2, actor: product.people.ops as any, migrationId: 'replay' });
    await product.act('li', migrated, { type: 'REQUEST_MORE', comment: 'Materials, please' });
    await product.act('acme', migrated, { type: 'SUPPLY_MATERIALS', materials });
    await product.act('li', migrated, { type: 'APPROVE' });

    expect(new Set(ids.map((id) => id.split(':')[0]))).toEqual(new Set(Object.keys(registry)));

    const histories = [];
    for (const id of ids) {
      for await (const execution of product.client.temporal.workflow.list({ query: `WorkflowId = '${id}'` })) {
        const history = await product.client.temporal.workflow.getHandle(id, execution.runId).fetchHistory();
        // A run caught as it continued-as-new, before its first workflow task, has nothing to replay (the replayer would wait for one).
        if ((history.events?.length ?? 0) > 3) histories.push({ workflowId: id, history });
      }
    }
    // The milestones process continued-as-new at least once, and each run of each kind is replayed.
    expect(histories.filter((h) => h.workflowId === milestones).length).toBeGreaterThan(1);
    // `npm run record-histories`: keep the histories of each kind version not recorded yet (test/histories.test.ts replays them).
    if (process.env.RECORD_HISTORIES === '1') console.log(`Recorded histories: ${(await saveNewHistories(histories, payloadCodec(product.config))).join(', ') || 'none new'}`);
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: dataConverter(product.config) }, histories)) results.push(result);
    expect(results.map((r) => [r.workflowId, r.error?.message])).toEqual(histories.map((h) => [h.workflowId, undefined]));
    // A long walk through every kind, waiting on real timers; slow when the fault tests load the machine alongside.
  }, 300_000);
});
