import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EngineUnavailable, ProcessClient } from '../engineClient';
import { stateKey } from '../machines/policy';
import { kindOf } from '../machines/registry';
import { searchAttributeKeys } from '../workflows/contract';
import { dataConverter } from '../worker/codec';
import { processSettings } from '../worker/config';
import { materials } from './support/fixtures';
import { certifyBusiness, eventually, footprint } from './support/flows';
import { pathsToEveryState } from './support/paths';
import { startProduct, type Person, type Product } from './support/product';

/**
 * Changing a kind while its processes run (issue 14's "done when"): processes open in every state of
 * nre-milestones v1 are planned, dry-run (nothing changes), migrated now by a durable batch, and go on
 * under v2's rules with their timers intact; a rollback where the mapping allows it; refusals for the
 * wrong people and wrong plans; the history of a migrated process replays.
 */

let product: Product;
const v1 = kindOf('nre-milestones', 1)!;
/** Open processes of v1, by the state they rest in. */
const opened = new Map<string, string>();
const ended: string[] = [];
let withoutMaterials: string;

const handle = (id: string) => product.client.temporal.workflow.getHandle(id);
const historyLength = async (id: string) => (await handle(id).describe()).historyLength;
/** The history length once a process's effects (its messages go out after the step) have all run. */
async function quietHistoryLength(id: string) {
  let last = -1;
  return eventually(
    async () => {
      const previous = last;
      last = await historyLength(id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { previous, now: last };
    },
    ({ previous, now }) => previous === now,
  ).then(({ now }) => now);
}
const plan = (who: Person, body: Record<string, unknown>) => product.call(who, 'POST', '/v1/migrations', body);

/** Starts a v1 process directly through the client (new ones start on v2), as release 1cee4be would have. */
async function startOnV1(key: string) {
  const processId = `nre-milestones:${product.people.acme.partnerId}:${key}`;
  await product.client.start({ kind: v1, processId, partnerId: product.people.acme.partnerId, businessKey: key, input: {}, startedBy: product.people.acme as any });
  return processId;
}

beforeAll(async () => {
  // Reviews due long after the test, so their timers are pending while the processes move.
  product = await startProduct({ env: { REVIEW_DUE: '{"*":{"ms":60000}}', REVIEW_REMIND_BEFORE_MS: '30000' } });
  await certifyBusiness(product, 'acme');
  const who = { partner: 'acme', reviewer: 'li' } as Record<string, Person>;
  const paths = pathsToEveryState(v1);
  for (const [i, path] of paths.entries()) {
    const id = await startOnV1(`mig-${i}`);
    for (const step of path.steps) expect((await product.act(who[step.role], id, step.action)).status).toBe(200);
    const row = (await product.store.getProcess(id))!;
    expect(row.kindVersion).toBe(1);
    if (row.done) ended.push(id);
    else opened.set(id, row.state);
  }
  // An application v2 would not have taken: no materials.
  withoutMaterials = await startOnV1('mig-bare');
  expect((await product.act('acme', withoutMaterials, { type: 'APPLY', milestone: 1 })).status).toBe(200);
  opened.set(withoutMaterials, 'underReview');
}, 240_000);
afterAll(() => product?.stop());

describe('migrating nre-milestones v1 → v2', () => {
  it('refuses anyone but ops, an unknown kind or version, and duplicate ids, changing nothing', async () => {
    for (const who of ['acme', 'li', 'system'] as Person[]) expect((await plan(who, { kind: 'nre-milestones', to: 2, dryRun: true })).body.error.code).toMatch(/ops_only/);
    expect((await plan('acme', { kind: 'nre-milestones', to: 2 })).status).toBe(403);
    const noKind = await plan('ops', { kind: 'nre-milestone', to: 2, dryRun: true });
    expect(noKind.status).toBe(422);
    expect(noKind.body.error).toMatchObject({ code: 'unknown_kind' });
    expect((await plan('ops', { kind: 'nre-milestone', to: 2 })).status).toBe(422);
    const noVersion = await plan('ops', { kind: 'nre-milestones', to: 9 });
    expect(noVersion.status).toBe(422);
    expect(noVersion.body.error.code).toBe('unknown_version');
    expect((await plan('ops', { kind: 'nre-milestones', to: 9, dryRun: true })).status).toBe(422);
    expect(noVersion.body.error.reason).toContain('its versions are 1, 2');
    expect((await plan('ops', { kind: 'nre-milestones', to: 2, processIds: [withoutMaterials, withoutMaterials] })).status).toBe(422);
    expect((await product.call('ops', 'GET', '/v1/migrations')).body.items).toEqual([]);
  });

  it('a dry run plans every open process, names whose past v2 would have refused, and changes nothing at all', async () => {
    const before = await Promise.all([...opened.keys()].map(async (id) => [await footprint(product, id), await quietHistoryLength(id)]));
    const { status, body } = await plan('ops', { kind: 'nre-milestones', to: 2, dryRun: true });
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'nre-milestones', to: 2 });
    expect(body.items.map((i: { processId: string }) => i.processId).sort()).toEqual([...opened.keys()].sort());
    for (const item of body.items) {
      expect(item, item.processId).toMatchObject({ fromVersion: 1, state: opened.get(item.processId), verdict: 'moves', toState: opened.get(item.processId) });
      if (item.processId === withoutMaterials)
        expect(item.whatIf.firstDifference).toMatchObject({ seq: 1, event: 'APPLY', outcome: 'refused', code: 'invalid_payload' });
      else expect(item.whatIf.firstDifference).toBeUndefined();
    }
    // Named processes: one that ended is listed as staying, with the reason.
    const named = await plan('ops', { kind: 'nre-milestones', to: 2, dryRun: true, processIds: [ended[0], 'nre-milestones:nobody:x'] });
    expect(named.body.items).toEqual([
      expect.objectContaining({ processId: ended[0], verdict: 'stays', code: 'process_ended' }),
      expect.objectContaining({ processId: 'nre-milestones:nobody:x', verdict: 'stays', code: 'not_found' }),
    ]);
    const after = await Promise.all([...opened.keys()].map(async (id) => [await footprint(product, id), await historyLength(id)]));
    expect(after).toEqual(before);
    expect((await product.call('acme', 'GET', `/v1/kinds/nre-milestones`)).body.versions).toEqual([
      { version: 1, open: opened.size },
      { version: 2, open: 0 },
    ]);
  });

  it('moves every open process now, a few a second, one migration at a time; they go on under v2, timers intact', async () => {
    const timersBefore = new Map(await Promise.all([...opened.keys()].map(async (id) => [id, (await product.client.inspect(id))!.timers] as const)));
    const started = await plan('ops', { kind: 'nre-milestones', to: 2, perSecond: 2 });
    expect(started.status).toBe(202);
    const again = await plan('ops', { kind: 'nre-milestones', to: 2 });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'migration_running' });
    expect(again.body.error.reason).toContain(started.body.id);
    const done = await eventually(() => product.call('ops', 'GET', `/v1/migrations/${started.body.id}`), (r) => r.body.status === 'done', 60_000);
    expect(done.body).toMatchObject({ kind: 'nre-milestones', to: 2, moved: opened.size, stayed: 0, failed: 0, pending: 0, requestedBy: 'ops' });

    for (const [id, state] of opened) {
      const view = (await product.view('acme', id)).body;
      expect(view, id).toMatchObject({ kindVersion: 2, state });
      const last = view.records.at(-1);
      expect(last).toMatchObject({ event: 'MIGRATED', actor: 'ops', role: 'ops', from: state, to: state });
      expect(last.reason).toContain(`Moved from v1 to v2 by migration ${started.body.id}`);
      const live = (await product.client.inspect(id))!;
      expect(live.kindVersion).toBe(2);
      // The same timers, due at the same times.
      expect(live.timers).toEqual(timersBefore.get(id));
    }
    // Ops find them by version in the Web UI.
    await eventually(
      async () => {
        const ids: string[] = [];
        for await (const w of product.client.temporal.workflow.list({ query: `ProcessKind = "nre-milestones" AND KindVersion = 2 AND PartnerId = "${product.people.acme.partnerId}"` })) ids.push(w.workflowId);
        return ids;
      },
      (ids) => [...opened.keys()].every((id) => ids.includes(id)),
    );
    const described = await handle(withoutMaterials).describe();
    expect(described.typedSearchAttributes.get(searchAttributeKeys.kindVersion)).toBe(2);

    // v2's rules now: the reviewer asks for more materials, the partner supplies them.
    const underReview = [...opened].find(([id, state]) => state === 'underReview' && id !== withoutMaterials)![0];
    expect((await product.act('li', underReview, { type: 'REQUEST_MORE', comment: 'Add the load test' })).body.state).toBe('moreMaterialsRequested');
    expect((await product.act('acme', underReview, { type: 'SUPPLY_MATERIALS', materials })).body.state).toBe('underReview');
    const open = [...opened].find(([, state]) => state === 'open')![0];
    expect((await product.act('acme', open, { type: 'APPLY', milestone: 1 })).body.error).toMatchObject({ code: 'invalid_payload' });
    expect((await product.act('acme', open, { type: 'APPLY', milestone: 1, materials })).status).toBe(200);

    // A second run finds nothing left to move.
    const second = await plan('ops', { kind: 'nre-milestones', to: 2 });
    expect(second.status).toBe(202);
    const secondDone = await eventually(() => product.call('ops', 'GET', `/v1/migrations/${second.body.id}`), (r) => r.body.status === 'done', 30_000);
    expect(secondDone.body).toMatchObject({ moved: 0, stayed: 0, failed: 0, items: [] });
  }, 180_000);

  it('a rollback to v1 moves only where the mapping gives a waiting-for-more process a state of v1', async () => {
    const waiting = [...opened].find(([id, state]) => state === 'underReview' && id !== withoutMaterials)![0];
    expect((await product.act('li', waiting, { type: 'REQUEST_MORE', comment: 'And the security review' })).body.state).toBe('moreMaterialsRequested');
    const refused = await plan('ops', { kind: 'nre-milestones', to: 1, dryRun: true, processIds: [waiting] });
    expect(refused.body.items[0]).toMatchObject({ verdict: 'stays', code: 'no_counterpart' });
    expect(refused.body.items[0].reason).toContain('"moreMaterialsRequested" has no counterpart in v1');
    const mapping = { moreMaterialsRequested: 'rejected' };
    expect((await plan('ops', { kind: 'nre-milestones', to: 1, dryRun: true, processIds: [waiting], mapping })).body.items[0]).toMatchObject({ verdict: 'moves', toState: 'rejected' });
    const rollback = await plan('ops', { kind: 'nre-milestones', to: 1, processIds: [waiting], mapping });
    const done = await eventually(() => product.call('ops', 'GET', `/v1/migrations/${rollback.body.id}`), (r) => r.body.status === 'done', 30_000);
    expect(done.body).toMatchObject({ moved: 1, items: [expect.objectContaining({ processId: waiting, outcome: 'moved', toState: 'rejected' })] });
    const view = (await product.view('acme', waiting)).body;
    expect(view).toMatchObject({ kindVersion: 1, state: 'rejected' });
    expect(view.records.at(-1).reason).toContain('moreMaterialsRequested → rejected');
    // Back on v1's rules: an application without materials is taken again.
    expect((await product.act('acme', waiting, { type: 'APPLY', milestone: 1 })).body.state).toBe('underReview');
  }, 120_000);

  it('a batch that could not start leaves no migration behind; a row left running by a crashed request blocks nothing; of two at once, the second changes nothing', async () => {
    // Processes that do not exist stay quickly; one a second makes the batch last long enough to race.
    const body = { kind: 'nre-milestones', to: 2, processIds: ['nre-milestones:nobody:1', 'nre-milestones:nobody:2'], perSecond: 1 };
    const rows = async () => (await product.call('ops', 'GET', '/v1/migrations')).body.items as Array<{ id: string; status: string }>;
    const before = (await rows()).length;

    // The engine unreachable when the batch starts: 503, and no migration left running to block the next ones.
    const startMigration = product.client.startMigration;
    product.client.startMigration = async () => {
      throw new EngineUnavailable();
    };
    try {
      const failed = await plan('ops', body);
      expect(failed.status).toBe(503);
      expect(failed.body.error.code).toBe('engine_unavailable');
    } finally {
      product.client.startMigration = startMigration;
    }
    expect(await rows()).toHaveLength(before);

    // A request that died between writing its row and starting its batch.
    await product.store.kindMigrations.create({ id: 'crashed-before-start', kind: 'nre-milestones', to: 2, mapping: null, processIds: null, requestedBy: 'ops' });

    const answers = await Promise.all([plan('ops', body), plan('ops', body)]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const winner = answers.find((a) => a.status === 202)!;
    const loser = answers.find((a) => a.status === 409)!;
    expect(loser.body.error).toMatchObject({ code: 'migration_running' });
    expect(loser.body.error.reason).toContain(winner.body.id);
    const done = await eventually(() => product.call('ops', 'GET', `/v1/migrations/${winner.body.id}`), (r) => r.body.status === 'done', 30_000);
    expect(done.body).toMatchObject({ stayed: 2, moved: 0, failed: 0 });
    // One row more for the winner, none for the loser; the crashed request's row no longer reads as running.
    const after = await rows();
    expect(after).toHaveLength(before + 2);
    expect(after.find((m) => m.id === 'crashed-before-start')).toMatchObject({ status: 'done' });
    expect(after.filter((m) => m.status === 'running')).toEqual([]);
  }, 60_000);

  it('the driver refuses a migrate Update from anyone but ops, and to a version that does not exist, writing nothing', async () => {
    const id = withoutMaterials;
    const before = await footprint(product, id);
    await expect(product.client.migrate(id, { to: 1, actor: product.people.acme as any, migrationId: 'forged' })).rejects.toMatchObject({ refusal: { status: 403, code: 'ops_only' } });
    await expect(product.client.migrate(id, { to: 7, actor: { id: 'ops', role: 'ops' }, migrationId: 'nowhere' })).rejects.toMatchObject({ refusal: { status: 422, code: 'unknown_version' } });
    expect(await footprint(product, id)).toEqual(before);
  });

  it('ops migrate from the CLI (a dry run as a table, then a real run), and a review timer carried over fires after MIGRATED, under v2', async () => {
    const bin = path.join(__dirname, '../cli/partnerflow.mjs');
    const cli = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, PARTNERFLOW_URL: product.url, PARTNERFLOW_KEY: product.people.ops.key } });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    // Refused by the API: exit 1 and its reason; a usage error: exit 2, nothing sent.
    const unknown = await cli('migrate', 'nre-milestones', '--to', '9', '--dry-run');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/422 unknown_version/);
    expect((await cli('migrate', 'nre-milestones', '--dry-run')).code).toBe(2);

    // A process of its own whose review is due 40 s after the application, the reminder 20 s before: its timers
    // are pending when it moves (each CLI run takes a few seconds), and fire after. The settings travel in its
    // start input, as REVIEW_DUE's do.
    const config = { ...product.config, REVIEW_DUE: { '*': { ms: 40_000 } }, REVIEW_REMIND_BEFORE_MS: 20_000 };
    const shortReviews = new ProcessClient(product.client.temporal, { taskQueue: product.config.TASK_QUEUE, settings: processSettings(config), onCommitted: (id, version) => product.store.releaseSteps(id, version) });
    const id = `nre-milestones:${product.people.acme.partnerId}:mig-timed`;
    await shortReviews.start({ kind: v1, processId: id, partnerId: product.people.acme.partnerId, businessKey: 'mig-timed', input: {}, startedBy: product.people.acme as any });
    expect((await product.act('acme', id, { type: 'APPLY', milestone: 1 })).body.state).toBe('underReview');
    const timers = (await product.client.inspect(id))!.timers;
    expect(timers).toHaveLength(2);

    const before = await footprint(product, id);
    const dry = await cli('migrate', 'nre-milestones', '--to', '2', '--dry-run', '--process', id);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('nre-milestones → v2: 1 move, 0 stay; 1 with a past v2 would not have taken');
    expect(dry.stdout).toMatch(new RegExp(`${id}\\s+v1\\s+underReview\\s+moves\\s+underReview\\s+step 1 APPLY refused`));
    expect(await footprint(product, id)).toEqual(before);

    const run = await cli('migrate', 'nre-milestones', '--to', '2', '--process', id);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/migration \S+ started/);
    expect(run.stdout).toMatch(/nre-milestones → v2, done; moved 1, stayed 0, failed 0, pending 0/);
    // Moved before any of its timers came due.
    expect((await product.client.inspect(id))!.timers).toEqual(timers);

    // The carried timers fire under v2: the reminder, then the escalation, both after the move.
    const overdue = await eventually(() => product.view('li', id), (r) => r.body.records.some((x: { event: string }) => x.event === 'reviewOverdue'), 60_000);
    expect(overdue.body).toMatchObject({ kindVersion: 2, state: 'underReview' });
    expect(overdue.body.records.map((r: { event: string }) => r.event)).toEqual(['START', 'APPLY', 'MIGRATED', 'reviewReminder', 'reviewOverdue']);
    // At the times they were due before the move (the engine's timers fire at or just after them).
    const [remindAt, overdueAt] = timers.map((t) => t.dueAt).sort((a, b) => a - b);
    const [reminded, escalated] = overdue.body.records.slice(-2).map((r: { at: string }) => Date.parse(r.at));
    expect(reminded).toBeGreaterThanOrEqual(remindAt - 1000);
    expect(reminded).toBeLessThan(overdueAt);
    expect(escalated).toBeGreaterThanOrEqual(overdueAt - 1000);
    // And v2's own rules apply to the same review.
    expect((await product.act('li', id, { type: 'REQUEST_MORE', comment: 'The load test, please' })).body.state).toBe('moreMaterialsRequested');
  }, 120_000);

  it('the history of a migrated process replays, migration included', async () => {
    const id = [...opened].find(([, state]) => state === 'underReview')![0];
    const history = await handle(id).fetchHistory();
    const result = await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, dataConverter: dataConverter(product.config) }, history, id);
    expect(result).toBeUndefined();
    expect(stateKey((await product.client.liveState(id)).value as any)).toBe((await product.store.getProcess(id))!.state);
  });
});
