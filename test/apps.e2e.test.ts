import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerflowClient, PartnerflowError, type ProcessEvent } from '../sdk';
import { startProduct, type Person, type Product } from './support/product';
import { licence, materials } from './support/fixtures';

/** Other apps over HTTP: the typed client (sdk/), the event stream, partners' notifications, and the CLI. */

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

const as = (who: Person) => product.as(who);

async function refusal(promise: Promise<unknown>): Promise<PartnerflowError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PartnerflowError);
  return err as PartnerflowError;
}

describe('typed client', () => {
  it('R11 an app starts a process, acts with Idempotency-Key and If-Match, views and lists it; refusals are typed errors', async () => {
    const acme = as('acme');
    const { created, process } = await acme.start({ kind: 'nre-milestones', input: { project: 'Smart factory' }, businessKey: 'sdk' });
    expect(created).toBe(true);
    expect(process.id).toBe(`nre-milestones:${product.people.acme.partnerId}:sdk`);
    expect((await acme.start({ kind: 'nre-milestones', input: { project: 'Smart factory' }, businessKey: 'sdk' })).created).toBe(false);

    // R11: milestones in order; the API's code and reason arrive as they are.
    const outOfOrder = await refusal(acme.act(process.id, { type: 'APPLY', milestone: 2, materials }));
    expect(outOfOrder).toMatchObject({ status: 409, code: expect.any(String) });
    expect(outOfOrder.reason.length).toBeGreaterThan(10);

    const stale = await refusal(acme.act(process.id, { type: 'WITHDRAW' }, { ifMatch: process.version + 5 }));
    expect(stale).toMatchObject({ status: 412, code: 'version_mismatch' });

    const once = await acme.act(process.id, { type: 'WITHDRAW' }, { idempotencyKey: 'withdraw-1', ifMatch: process.version });
    const again = await acme.act(process.id, { type: 'WITHDRAW' }, { idempotencyKey: 'withdraw-1', ifMatch: process.version });
    expect(again.version).toBe(once.version);
    expect(once.records!.filter((r) => r.event === 'WITHDRAW')).toHaveLength(1);

    const viewed = await acme.view(process.id);
    expect(viewed.label).toEqual(once.label);
    const listed = await acme.list({ kind: 'nre-milestones' });
    expect(listed.items.map((p) => p.id)).toContain(process.id);

    expect(await refusal(as('globex').view(process.id))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await refusal(acme.start({ kind: 'no-such-kind' }))).toMatchObject({ status: 422, code: 'unknown_kind' });
    expect(await refusal(new PartnerflowClient({ baseUrl: product.url, apiKey: 'wrong' }).kinds())).toMatchObject({ status: 401, code: 'invalid_key' });
    expect(await refusal(new PartnerflowClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'x' }).kinds())).toMatchObject({ status: 0, code: 'unreachable' });
  });

  it('R72 a partner app manages its webhook endpoints with the client: made (secret once), listed, changed, rotated, deleted; another partner sees none of them', async () => {
    const acme = as('acme');
    expect(await acme.me()).toMatchObject({ role: 'partner', partnerId: product.people.acme.partnerId });
    const made = await acme.createWebhook({ url: 'http://127.0.0.1:9/sdk-hooks' });
    expect(made).toMatchObject({ url: 'http://127.0.0.1:9/sdk-hooks', events: ['process.step'], enabled: true, secret: expect.stringMatching(/^whsec_/) });
    expect((await acme.webhooks()).map((e) => e.id)).toContain(made.id);
    expect(await acme.webhook(made.id)).not.toHaveProperty('secret');
    expect(await acme.updateWebhook(made.id, { events: ['process.step', 'process.notification'], enabled: false })).toMatchObject({ enabled: false });
    const rotated = await acme.rotateWebhookSecret(made.id);
    expect(rotated.secret).not.toBe(made.secret);
    expect(rotated.previousSecretExpiresAt).toEqual(expect.any(String));
    expect((await acme.webhookDeliveries(made.id)).items).toEqual([]);
    expect(await refusal(as('globex').webhook(made.id))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await refusal(acme.createWebhook({ url: 'ftp://files.example/hooks' }))).toMatchObject({ status: 422, code: 'invalid_webhook_url' });
    await acme.deleteWebhook(made.id);
    expect(await refusal(acme.webhook(made.id))).toMatchObject({ status: 404 });
  });

  it('a reviewer reads the inbox, claims and releases; kinds carry their diagrams', async () => {
    const id = (await as('acme').start({ kind: 'business-certification' })).process.id;
    await as('acme').act(id, { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X', materials: licence.materials });
    const li = as('li');
    const inbox = await li.tasks({ kind: 'business-certification', partnerId: product.people.acme.partnerId });
    expect(inbox.items.map((t) => t.id)).toEqual([id]);
    expect((await li.claim(id)).task.claimedBy).toBe('li.reviewer');
    expect((await li.tasks({ claimed: 'mine', kind: 'business-certification' })).items.map((t) => t.id)).toContain(id);
    expect((await li.release(id)).task.claimedBy).toBeNull();
    const kinds = await li.kinds();
    expect(kinds.map((k) => k.kind)).toContain('business-certification');
    expect((await li.kind('business-certification')).mermaid).toContain('stateDiagram');
  });
});

describe('partners hear of changes', () => {
  it('R71 a server-sent event stream gives each recorded step as it happens, resumes after Last-Event-ID and ends with the process', async () => {
    const acme = as('acme');
    const evidence = (name: string) => ({ evidence: [{ name, url: `https://files.acme.example/${name}.pdf` }] });
    const { process } = await acme.start({ kind: 'delivery-evaluation', input: { project: 'Smart port', materials: [{ name: 'Handover', url: 'https://files.acme.example/h.pdf' }] }, businessKey: 'sse' });
    const seen: ProcessEvent[] = [];
    const following = (async () => {
      for await (const event of acme.events(process.id)) seen.push(event);
    })();
    await acme.act(process.id, { type: 'SUBMIT_EVIDENCE', ...evidence('acceptance') });
    await as('wang').act(process.id, { type: 'REQUEST_MORE', comment: 'Add the performance test report' });
    await acme.act(process.id, { type: 'SUBMIT_EVIDENCE', ...evidence('performance') });
    await as('wang').act(process.id, { type: 'CONCLUDE', result: 'passed' }); // ends the process: the stream ends
    await following;
    const records = (await acme.view(process.id)).records!;
    expect(seen.map((e) => [e.seq, e.event, e.to])).toEqual(records.map((r) => [r.seq, r.event, r.to]));
    expect(seen.find((e) => e.event === 'REQUEST_MORE')).toMatchObject({ comment: 'Add the performance test report', role: 'reviewer', processId: process.id });

    // A receiver that was away resumes after the last step it saw, and gets only the rest.
    const resumed: number[] = [];
    for await (const event of acme.events(process.id, { after: 1 })) resumed.push(event.seq);
    expect(resumed).toEqual(records.filter((r) => r.seq > 1).map((r) => r.seq));

    // Another partner's process has no stream for you.
    expect(await refusal((async () => { for await (const _ of as('globex').events(process.id)) break; })())).toMatchObject({ status: 404 });
  });

  it('R6 a partner lists the notifications sent to it, each with an id to deduplicate by; another partner’s list is 404', async () => {
    const acme = as('acme');
    const partnerId = product.people.acme.partnerId;
    await acme.start({ kind: 'partner-onboarding', input: { companyName: 'Acme', contactEmail: 'it@acme.example' } });
    const id = `partner-onboarding:${partnerId}`;
    await as('system').act(id, { type: 'REAL_NAME_VERIFIED' });
    await acme.act(id, { type: 'BIND_EMAIL', email: 'partners@acme.example' });
    await acme.act(id, { type: 'SUBMIT', program: 'solution-provider' });
    await as('li').act(id, { type: 'REJECT', comment: 'Materials missing' });
    await acme.act(id, { type: 'SUBMIT', program: 'solution-provider' });
    await as('li').act(id, { type: 'APPROVE', comment: 'Welcome' });

    const page = await acme.notifications(partnerId, { processId: id });
    expect(page.items.length).toBeGreaterThanOrEqual(2);
    expect(page.items.every((n) => n.processId === id && n.recipient.includes('acme.example'))).toBe(true);
    expect(new Set(page.items.map((n) => n.id)).size).toBe(page.items.length);
    expect(page.items.some((n) => n.body.includes('Materials missing'))).toBe(true);
    const outbox = await product.store.listOutbox({ processId: id });
    expect(page.items.map((n) => n.id).sort()).toEqual(outbox.filter((m) => m.audience === 'partner').map((m) => m.key).sort());

    expect(await refusal(as('globex').notifications(partnerId))).toMatchObject({ status: 404 });
    expect((await as('ops').notifications(partnerId)).items.length).toBeGreaterThanOrEqual(page.items.length);
    // One at a time, page after page: every message once, newest first, then no `next`.
    const walked: string[] = [];
    for (let cursor: string | undefined, pages = 0; pages === 0 || cursor; pages++) {
      const one = await acme.notifications(partnerId, { processId: id, limit: 1, cursor });
      expect(one.items).toHaveLength(1);
      walked.push(one.items[0].id);
      cursor = one.next;
    }
    expect(walked).toEqual(page.items.map((n) => n.id));
  });
});

describe('the partnerflow CLI', () => {
  const bin = path.join(__dirname, '../cli/partnerflow.mjs');
  const cli = async (who: Person | null, ...args: string[]) => {
    const env = { ...process.env, PARTNERFLOW_URL: product.url, PARTNERFLOW_KEY: who ? product.people[who].key : '' };
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('R24 starts, shows, acts and lists tasks: tables in zh-CN and en for people, --json for scripts, the API’s reason and exit codes on refusal', async () => {
    const kinds = await cli('acme', 'kinds');
    expect(kinds.code).toBe(0);
    expect(kinds.stdout).toContain('商业信息认证');
    expect(kinds.stdout).toContain('Business-information certification');

    const started = await cli('acme', 'start', 'delivery-evaluation', '--json', '--business-key', 'cli', '--input', JSON.stringify({ project: 'Smart port', materials: [{ name: 'Handover', url: 'https://files.acme.example/h.pdf' }] }));
    expect(started.code, started.stderr).toBe(0);
    const { created, process: view } = JSON.parse(started.stdout);
    expect(created).toBe(true);

    const shown = await cli('acme', 'show', view.id);
    expect(shown.stdout).toContain(view.label['zh-CN']);
    expect(shown.stdout).toContain(view.label.en);
    expect(shown.stdout).toContain('SUBMIT_EVIDENCE'); // what the partner may do now (R24)

    const submitted = await cli('acme', 'act', view.id, 'SUBMIT_EVIDENCE', '--json', '--if-match', String(view.version), '--data', JSON.stringify({ evidence: [{ name: 'Acceptance', url: 'https://files.acme.example/a.pdf' }] }));
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(JSON.parse(submitted.stdout).waitingFor).toEqual(['reviewer']);

    const tasks = await cli('wang', 'tasks', '--kind', 'delivery-evaluation', '--json');
    expect(JSON.parse(tasks.stdout).items.map((t: { id: string }) => t.id)).toContain(view.id);
    expect((await cli('wang', 'claim', view.id)).stdout).toContain('wang.reviewer');

    // Refused by the API: exit 1 and its reason; the process is unchanged (R73).
    const refused = await cli('acme', 'act', view.id, 'CONCLUDE', '--set', 'result=passed');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused \(403 \w+\): .+/);
    const concluded = await cli('wang', 'act', view.id, 'CONCLUDE', '--set', 'result=passed', '--comment', 'Delivered as agreed');
    expect(concluded.code, concluded.stderr).toBe(0);
    expect(concluded.stdout).toContain('Delivered as agreed');

    // Usage errors: exit 2, before anything is sent.
    expect((await cli('acme', 'act', view.id)).code).toBe(2);
    expect((await cli('acme', 'frobnicate')).code).toBe(2);
    expect((await cli(null, 'kinds')).stderr).toContain('PARTNERFLOW_KEY');
  }, 120_000);
});
