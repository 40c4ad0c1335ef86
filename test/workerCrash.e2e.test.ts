import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { messageIdFor } from '../activities/notifier';
import { eventually } from './support/flows';
import { writeFigures } from './support/figures';
import { startMailbox } from './support/mailbox';
import { startProduct, type Person, type Product, type Reply } from './support/product';
import { spawnWorker, type WorkerChild } from './support/workerChild';
import { licence, materials } from './support/fixtures';

/**
 * The worker runs as a separate OS process and is SIGKILLed at random moments while many processes
 * move through the real API; a new one is started each time, like a supervisor would.
 */
const KILLS = Number(process.env.CRASH_KILLS ?? 10);
const PROCESSES = 6;

let product: Product;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
let worker: WorkerChild | undefined;
let workerEnv: Record<string, string>;

beforeAll(async () => {
  mailbox = await startMailbox();
  product = await startProduct({ worker: false });
  workerEnv = {
    TEMPORAL_ADDRESS: product.address,
    TASK_QUEUE: product.config.TASK_QUEUE,
    DATA_DIR: product.dataDir,
    PAYLOAD_KEY: inject('payloadKey'),
    SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
    WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    LOG_LEVEL: 'warn',
  };
  worker = await spawnWorker(workerEnv);
});
afterAll(async () => {
  await worker?.kill();
  await product?.stop();
  await mailbox?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomBetween = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

/** Each milestone rejected once, then applied again and approved: 12 actions after the start. */
const path = [1, 2, 3].flatMap((m) => [
  { who: 'acme' as Person, action: { type: 'APPLY', milestone: m, materials }, event: 'APPLY' },
  { who: (m % 2 ? 'li' : 'wang') as Person, action: { type: 'REJECT', comment: `Milestone ${m}: more evidence` }, event: 'REJECT' },
  { who: 'acme' as Person, action: { type: 'APPLY', milestone: m, materials }, event: 'APPLY' },
  { who: (m % 2 ? 'wang' : 'li') as Person, action: { type: 'APPROVE' }, event: 'APPROVE' },
]);

describe('a worker killed again and again', () => {
  it(`R74 R71 survives ${KILLS} SIGKILLs of the worker process: every process completes, each transition recorded once, no message sent twice`, async () => {
    const began = Date.now();
    let retried = 0;
    /** A client that retries like the API tells it to: the same request with the same Idempotency-Key, when the engine did not answer (503). */
    const until = async (send: () => Promise<Reply>, what: string) => {
      for (;;) {
        const reply = await send();
        if (reply.status === 200 || reply.status === 201) return reply;
        if (reply.status !== 503) throw new Error(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
        retried++;
      }
    };

    await product.call('acme', 'PATCH', `/v1/partners/${product.people.acme.partnerId}`, { contact: { email: 'it@acme.example' } });
    const cert = (await until(() => product.start('acme', 'business-certification'), 'start certification')).body.id;
    await until(() => product.act('acme', cert, { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X', materials: licence.materials }, { 'idempotency-key': 'cert-submit' }), 'submit');
    await until(() => product.act('li', cert, { type: 'APPROVE' }, { 'idempotency-key': 'cert-approve' }), 'approve');

    let actions = 0;
    const flows = Promise.all(
      Array.from({ length: PROCESSES }, async (_, i) => {
        const key = `crash-${i}`;
        const id = (await until(() => product.start('acme', 'nre-milestones', {}, { businessKey: key }), `start ${key}`)).body.id as string;
        for (const [n, step] of path.entries()) {
          await sleep(randomBetween(0, 400));
          await until(() => product.act(step.who, id, step.action, { 'idempotency-key': `${key}-${n}` }), `${key} step ${n}`);
          actions++;
        }
        return id;
      }),
    );

    // The killer: a random while after each worker is up, SIGKILL, a random pause, a new worker.
    let kills = 0;
    let actionsDuringKills = 0;
    while (kills < KILLS) {
      await sleep(randomBetween(300, 2500));
      await worker!.kill();
      kills++;
      await sleep(randomBetween(0, 800));
      worker = await spawnWorker(workerEnv);
    }
    actionsDuringKills = actions;
    const ids = await flows;

    // Every process ended where its path leads, and its run finished (every record and message done).
    for (const id of ids) {
      await eventually(async () => (await product.client.temporal.workflow.getHandle(id).describe()).status.name, (s) => s === 'COMPLETED', 60_000);
    }
    let transitions = 0;
    for (const id of ids) {
      const view = (await product.view('acme', id)).body;
      expect(view).toMatchObject({ state: 'accepted', done: true });
      const records = await product.store.listRecords(id);
      // Exactly once each: the sequence is contiguous and the events are the path's, none repeated or missing.
      expect(records.map((r) => r.seq)).toEqual([...Array(path.length + 1).keys()]);
      expect(records.map((r) => r.event)).toEqual(['START', ...path.map((s) => s.event)]);
      transitions += records.length;
    }

    // Mail: nothing left to send; every Message-ID arrived at most once; every message recorded as sent arrived.
    const outbox = (await Promise.all([cert, ...ids].map((id) => product.store.listOutbox({ processId: id })))).flat();
    expect(outbox.filter((m) => m.status === 'pending' || m.status === 'failed')).toEqual([]);
    const arrived = new Map<string, number>();
    for (const m of mailbox.inbox) arrived.set(m.messageId, (arrived.get(m.messageId) ?? 0) + 1);
    const duplicates = [...arrived.values()].filter((n) => n > 1).length;
    expect(duplicates).toBe(0);
    const sent = outbox.filter((m) => m.status === 'sent');
    for (const m of sent) expect(arrived.get(messageIdFor(m.key)), m.key).toBe(1);
    // Claimed and then the worker died: at most once, so such a message may have arrived or not, never twice.
    const inWindow = outbox.filter((m) => m.status === 'sending');
    const inWindowArrived = inWindow.filter((m) => arrived.has(messageIdFor(m.key))).length;
    expect(sent.length).toBeGreaterThan(0);

    writeFigures('worker-crash', {
      kills,
      processes: ids.length + 1,
      actions,
      actionsDuringKills,
      retriedRequests: retried,
      transitionsRecorded: transitions,
      duplicateTransitions: 0,
      messagesQueued: outbox.length,
      messagesSent: sent.length,
      messagesClaimedWhenKilled: inWindow.length,
      messagesClaimedWhenKilledThatArrived: inWindowArrived,
      messagesLost: inWindow.length - inWindowArrived,
      duplicateMessages: duplicates,
      seconds: Math.round((Date.now() - began) / 1000),
    });
  }, 240_000);
});
