import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../api/server';
import { freePort } from '../scripts/devServer';
import { createSealer, payloadKeys } from '../worker';
import { developmentDefaults, readConfig } from '../worker/config';
import { materials } from './support/fixtures';
import { certifyBusiness, eventually } from './support/flows';
import { startMailbox } from './support/mailbox';
import { startPartnerApp, type PartnerApp } from './support/partnerApp';
import { startProduct, type Person, type Product } from './support/product';
import type { WebhookDelivery } from '../sdk';

/**
 * Partners' apps hearing of their processes by signed webhooks (Standard Webhooks), over the real API,
 * worker, outbox dispatcher and Temporal server, received by real HTTP servers that verify every
 * signature with the `standardwebhooks` package. Retry and disabling times are scaled down from a day
 * and five days to seconds.
 */

let product: Product;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
const apps: PartnerApp[] = [];

beforeAll(async () => {
  mailbox = await startMailbox();
  product = await startProduct({
    env: {
      SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
      WEBHOOK_RETRY_INITIAL_MS: '200',
      WEBHOOK_RETRY_MAX_MS: '800',
      WEBHOOK_RETRY_FOR_MS: '10000',
      WEBHOOK_DISABLE_AFTER_MS: '14000',
    },
  });
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await product?.stop();
  await mailbox?.close();
});

const app = async (secrets: string[] = []) => {
  const started = await startPartnerApp({ secrets });
  apps.push(started);
  return started;
};
/** Raw, for bodies the typed client would not send; a well-formed registration goes through the SDK. */
const register = (who: Person, body: unknown) => product.call(who, 'POST', '/v1/webhooks', body);
const deliveries = async (who: Person, endpointId: string) => {
  const items: WebhookDelivery[] = [];
  let cursor: string | undefined;
  do {
    const page = await product.as(who).webhookDeliveries(endpointId, { limit: 100, cursor });
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
};

/** Milestones 1–3, milestone 2 rejected once: what a partner's app follows. */
async function milestoneLifecycle(key: string) {
  const { id } = (await product.as('acme').start({ kind: 'nre-milestones', input: { project: key }, businessKey: key })).process;
  for (const [who, action] of [
    ['acme', { type: 'APPLY', milestone: 1, materials }], ['li', { type: 'APPROVE' }],
    ['acme', { type: 'APPLY', milestone: 2, materials }], ['wang', { type: 'REJECT', comment: 'Test report missing' }],
    ['acme', { type: 'APPLY', milestone: 2, materials }], ['li', { type: 'APPROVE' }],
    ['acme', { type: 'APPLY', milestone: 3, materials }], ['wang', { type: 'APPROVE', comment: 'Accepted' }],
  ] as Array<[Person, { type: string }]>)
    await product.as(who).act(id, action);
  return id;
}

describe('webhooks to a partner app', () => {
  let endpointId: string;
  let secret: string;
  let partnerApp: PartnerApp;

  it('R74 R71 a partner app registers a webhook and follows a milestone lifecycle from its deliveries alone, each signature verified', async () => {
    partnerApp = await app();
    const created = await product.as('acme').createWebhook({ url: partnerApp.url });
    expect(created).toMatchObject({ url: partnerApp.url, events: ['process.step'], enabled: true });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    ({ id: endpointId, secret } = created);
    partnerApp.useSecrets([secret]);
    // The secret is shown once: never in a list or a read.
    const listed = await product.as('acme').webhooks();
    expect(listed.map((e) => e.id)).toEqual([endpointId]);
    expect(JSON.stringify(listed) + JSON.stringify(await product.as('acme').webhook(endpointId))).not.toContain('whsec_');

    await certifyBusiness(product, 'acme');
    const id = await milestoneLifecycle('webhook-lifecycle');
    const records = (await product.as('acme').view(id)).records!;
    const steps = await eventually(async () => partnerApp.steps(id), (s) => s.length === records.length && s.at(-1)!.data.done, 30_000);

    // In order, each once, each verified; the app knows where the process is without asking the API.
    expect(steps.map((s) => s.data.seq)).toEqual(records.map((r) => r.seq));
    expect(steps.map((s) => s.data.event)).toEqual(records.map((r) => r.event));
    expect(steps.at(-1)!.data).toMatchObject({ processId: id, kind: 'nre-milestones', state: 'accepted', done: true, waitingFor: [], label: { 'zh-CN': expect.any(String) } });
    expect(steps.find((s) => s.data.event === 'REJECT')!.data).toMatchObject({ comment: 'Test report missing', role: 'reviewer', atLocal: expect.stringMatching(/\+08:00$/) });
    expect(partnerApp.refused).toEqual([]);
    expect(partnerApp.events.every((e) => e.copies === 1)).toBe(true);

    // The delivery log: each delivered at the first attempt, with the app's answer; ids are the webhook-ids the app saw.
    const log = (await deliveries('acme', endpointId)).filter((d) => d.processId === id);
    expect(log).toHaveLength(records.length);
    expect(log.every((d) => d.status === 'sent' && d.attempts === 1 && /^200 OK/.test(d.answer ?? '') && d.type === 'process.step')).toBe(true);
    expect(new Set(log.map((d) => d.id))).toEqual(new Set(partnerApp.events.filter((e) => e.event.data.processId === id).map((e) => e.id)));
  });

  it('R72 only the partner\'s own processes are delivered to its endpoints', async () => {
    const globexApp = await app();
    const globexEndpoint = await product.as('globex').createWebhook({ url: globexApp.url });
    globexApp.useSecrets([globexEndpoint.secret]);
    const cert = await certifyBusiness(product, 'globex');
    await eventually(async () => globexApp.steps(cert), (s) => s.length === 3);
    await eventually(async () => (await deliveries('acme', endpointId)).every((d) => d.status === 'sent'), (done) => done);
    expect(partnerApp.events.filter((e) => e.event.data.partnerId !== product.people.acme.partnerId)).toEqual([]);
    expect(globexApp.events.every((e) => e.event.data.partnerId === product.people.globex.partnerId)).toBe(true);
    // And neither sees the other's endpoint.
    await expect(product.as('globex').webhookDeliveries(endpointId)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('R74 survives the app\'s own downtime: deliveries are retried with backoff, under the same webhook-id, and complete in order', async () => {
    await partnerApp.down();
    const id = (await product.as('acme').start({ kind: 'nre-milestones', businessKey: 'while-down' })).process.id;
    await product.as('acme').act(id, { type: 'APPLY', milestone: 1, materials });
    await product.as('li').act(id, { type: 'APPROVE' });
    // The first step was tried and refused at least twice while the app was away.
    await eventually(async () => (await deliveries('acme', endpointId)).find((d) => d.processId === id && d.seq === 0), (d) => (d?.attempts ?? 0) >= 2, 15_000);
    await partnerApp.up();
    // Back, but answering 503 for a while (a broken deploy): that is a failure too.
    partnerApp.failWith(503);
    await product.as('acme').act(id, { type: 'APPLY', milestone: 2, materials });
    await eventually(async () => partnerApp.attempts.filter((a) => a.status === 503).length, (n) => n >= 2, 15_000);
    partnerApp.failWith(undefined);
    await product.as('wang').act(id, { type: 'APPROVE' });

    const steps = await eventually(async () => partnerApp.steps(id), (s) => s.length === 5, 20_000);
    expect(steps.map((s) => s.data.seq)).toEqual([0, 1, 2, 3, 4]);
    const log = (await deliveries('acme', endpointId)).filter((d) => d.processId === id).sort((a, b) => a.seq - b.seq);
    expect(log.every((d) => d.status === 'sent')).toBe(true);
    expect(log[0].attempts).toBeGreaterThan(2);
    // Refused attempts and the delivery carried one webhook-id: the app could tell them for one message.
    const first = log[0].id;
    expect(partnerApp.attempts.filter((a) => a.id === first).map((a) => a.status).at(-1)).toBe(200);
    expect(partnerApp.attempts.some((a) => a.status === 503 && log.some((d) => d.id === a.id))).toBe(true);
    expect(await product.as('acme').webhook(endpointId)).toMatchObject({ enabled: true, failingSince: null });
  });

  it('R74 after a secret rotation deliveries are signed with both secrets for a day, so the app switches without a failed delivery', async () => {
    const rotated = await product.as('acme').rotateWebhookSecret(endpointId);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(secret);
    expect(Date.parse(rotated.previousSecretExpiresAt!) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const id = (await product.as('acme').start({ kind: 'nre-milestones', businessKey: 'rotation' })).process.id;
    // Still on the old secret: verified.
    await eventually(async () => partnerApp.steps(id), (s) => s.length === 1);
    // Switched to the new one: verified too, and nothing was refused meanwhile.
    partnerApp.useSecrets([rotated.secret]);
    await product.as('acme').act(id, { type: 'APPLY', milestone: 1, materials });
    await eventually(async () => partnerApp.steps(id), (s) => s.length === 2);
    expect(partnerApp.refused).toEqual([]);
    expect(partnerApp.attempts.filter((a) => a.status === 400)).toEqual([]);
    secret = rotated.secret;
  });

  it('R6 an endpoint subscribed to notifications also gets every notification to the partner, in both languages', async () => {
    const changed = await product.as('acme').updateWebhook(endpointId, { events: ['process.step', 'process.notification'] });
    expect(changed.events).toEqual(['process.step', 'process.notification']);
    const id = (await product.as('acme').start({ kind: 'nre-milestones', businessKey: 'told' })).process.id;
    await product.as('acme').act(id, { type: 'APPLY', milestone: 1, materials });
    await product.as('li').act(id, { type: 'REJECT', comment: 'Evidence missing' });
    const told = await eventually(
      async () => partnerApp.events.filter((e) => e.event.type === 'process.notification' && e.event.data.processId === id),
      (list) => list.length >= 1,
    );
    expect(told[0].event.data).toMatchObject({ processId: id, seq: 2, subject: { en: expect.any(String), 'zh-CN': expect.any(String) } });
    expect(JSON.stringify(told[0].event.data)).toContain('Evidence missing');
  });

  it('R74 an endpoint failing for days is disabled and the partner told; enabled again, a missed delivery is redelivered on request', async () => {
    const acme = product.as('acme');
    await acme.updatePartner(product.people.acme.partnerId!, { contact: { email: 'it@acme.example' } });
    const dead = `http://127.0.0.1:${await freePort()}/gone`;
    const endpoint = await acme.createWebhook({ url: dead });
    const id = (await product.as('acme').start({ kind: 'nre-milestones', businessKey: 'dead-endpoint' })).process.id;
    // The partner keeps working (applying and withdrawing); every step is another delivery that fails.
    let applied = false;
    const disabled = await eventually(
      async () => {
        const now = await acme.webhook(endpoint.id);
        if (now.enabled) await product.as('acme').act(id, applied ? { type: 'WITHDRAW' } : { type: 'APPLY', milestone: 1, materials });
        applied = !applied;
        return now;
      },
      (e) => !e.enabled,
      60_000,
    );
    expect(disabled.disabledReason).toMatch(/no delivery has succeeded since/);
    const mail = await eventually(async () => mailbox.inbox.filter((m) => m.subject.startsWith('Webhook endpoint disabled')), (m) => m.length === 1);
    expect(mail[0]).toMatchObject({ to: ['it@acme.example'], subject: 'Webhook endpoint disabled / Webhook 端点已停用' });
    // A step recorded while it was being disabled may still have queued one: it is given up when its turn comes.
    const log = await eventually(() => deliveries('acme', endpoint.id), (all) => all.every((d) => d.status === 'given_up'));
    expect(log.find((d) => d.seq === 0)!.answer).toMatch(/ECONNREFUSED/);
    // Redelivering to a disabled endpoint is refused; fixed and enabled, the first step goes, signed, once.
    const first = log.find((d) => d.seq === 0)!;
    await expect(acme.redeliver(endpoint.id, first.id)).rejects.toMatchObject({ status: 409, code: 'endpoint_disabled' });
    const fixed = await app([endpoint.secret]);
    await acme.updateWebhook(endpoint.id, { url: fixed.url, enabled: true });
    expect(await acme.redeliver(endpoint.id, first.id)).toMatchObject({ id: first.id, status: 'pending' });
    await eventually(async () => fixed.steps(id), (s) => s.length === 1);
    expect(fixed.events[0].id).toBe(first.id);
  });

  it('R74 steps recorded while an endpoint is disabled are kept in its log, unsent; enabled again, they are redelivered, so nothing is lost', async () => {
    const acme = product.as('acme');
    const receiver = await app();
    const endpoint = await acme.createWebhook({ url: receiver.url });
    receiver.useSecrets([endpoint.secret]);
    await acme.updateWebhook(endpoint.id, { enabled: false });
    // A start and an action (a step held for its caller, then released): both while the endpoint is off.
    const id = (await acme.start({ kind: 'nre-milestones', businessKey: 'while-disabled' })).process.id;
    await acme.act(id, { type: 'APPLY', milestone: 1, materials });
    const missed = await eventually(async () => (await acme.webhookDeliveries(endpoint.id, { status: 'given_up' })).items.filter((d) => d.processId === id), (d) => d.length === 2);
    expect(missed.map((d) => d.seq).sort()).toEqual([0, 1]);
    expect(missed.every((d) => d.attempts === 0 && /endpoint was disabled when this was recorded/.test(d.answer ?? ''))).toBe(true);
    expect((await acme.webhookDeliveries(endpoint.id, { status: 'sent' })).items).toEqual([]);
    expect(receiver.attempts).toEqual([]);

    await acme.updateWebhook(endpoint.id, { enabled: true });
    for (const delivery of [...missed].sort((a, b) => a.seq - b.seq)) await acme.redeliver(endpoint.id, delivery.id);
    const steps = await eventually(async () => receiver.steps(id), (s) => s.length === 2);
    expect(steps.map((s) => s.data.seq)).toEqual([0, 1]);
    expect(new Set(receiver.events.map((e) => e.id))).toEqual(new Set(missed.map((d) => d.id)));
    expect(receiver.refused).toEqual([]);
    // Enabled, the next step goes as usual.
    await product.as('li').act(id, { type: 'APPROVE' });
    await eventually(async () => receiver.steps(id), (s) => s.length === 3);
  });

  it('R73 bad webhook input is refused with a reason, and nothing is registered, changed or delivered', async () => {
    const before = await product.as('acme').webhooks();
    const refusals: Array<[Person, unknown, number, string]> = [
      ['acme', { url: 'ftp://files.acme.example/hook' }, 422, 'invalid_webhook_url'],
      ['acme', { url: 'javascript:alert(1)' }, 422, 'invalid_webhook_url'],
      ['acme', { url: 'not a url' }, 422, 'invalid_webhook_url'],
      ['acme', { url: `https://hooks.acme.example/${'x'.repeat(2100)}` }, 422, 'invalid_body'],
      ['acme', { url: 'http://10.0.0.8/hook' }, 422, 'invalid_webhook_url'],
      ['acme', { url: 'http://[fd00::1]/hook' }, 422, 'invalid_webhook_url'],
      ['acme', { url: 'http://169.254.169.254/latest/meta-data' }, 422, 'invalid_webhook_url'],
      ['acme', { url: 'https://user:pw@hooks.acme.example/' }, 422, 'invalid_webhook_url'],
      ['acme', { url: 'https://hooks.acme.example/', events: ['process.deleted'] }, 422, 'invalid_body'],
      ['acme', { url: 'https://hooks.acme.example/', events: [] }, 422, 'invalid_body'],
      ['acme', { url: 'https://hooks.acme.example/', secret: 'whsec_mine' }, 422, 'invalid_body'],
      ['li', { url: 'https://hooks.acme.example/' }, 403, 'role_not_allowed'],
      ['ops', { url: 'https://hooks.acme.example/' }, 403, 'role_not_allowed'],
    ];
    for (const [who, body, status, code] of refusals) {
      const reply = await register(who, body);
      expect(reply.status, JSON.stringify(body)).toBe(status);
      expect(reply.body.error.code).toBe(code);
      expect(reply.body.error.reason.length).toBeGreaterThan(10);
    }
    expect((await register('acme', { url: 'http://10.0.0.8/hook' })).body.error.reason).toMatch(/10\.0\.0\.8 is a private or reserved network address/);

    // Another partner's endpoint is not there for it, whatever it asks.
    const own = `/v1/webhooks/${endpointId}`;
    for (const [method, route, body] of [
      ['GET', own], ['PATCH', own, { enabled: false }], ['DELETE', own], ['POST', `${own}/rotate-secret`],
      ['GET', `${own}/deliveries`], ['POST', `${own}/deliveries/msg_x/redeliver`],
    ] as Array<[string, string, unknown?]>) {
      const reply = await product.call('globex', method, route, body);
      expect(reply.status, `${method} ${route}`).toBe(404);
      expect(reply.body.error.code).toBe('not_found');
    }
    expect((await product.call('acme', 'PATCH', own, { url: 'http://192.168.1.1/' })).status).toBe(422);
    expect((await product.call('acme', 'PATCH', own, {})).status).toBe(422);
    expect((await product.call('acme', 'POST', `${own}/deliveries/msg_nope/redeliver`)).status).toBe(404);
    expect(await product.as('acme').webhooks()).toEqual(before);

    // A deployment that keeps webhooks off its own machine refuses loopback receivers too: every install
    // but `npm start`'s development one, unless WEBHOOK_TARGETS says otherwise.
    expect(readConfig({}).WEBHOOK_TARGETS).toBe('public');
    expect(readConfig({ ...developmentDefaults }).WEBHOOK_TARGETS).toBe('loopback');
    expect(readConfig({ ...developmentDefaults, WEBHOOK_TARGETS: 'public' }).WEBHOOK_TARGETS).toBe('public');
    const strict = await buildServer({
      client: product.client, store: product.store, keys: product.keys, log: pino({ level: 'silent' }),
      webhooks: { sealer: createSealer(payloadKeys(product.config)), targets: 'public' },
    });
    try {
      for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/hook']) {
        const reply = await strict.inject({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${product.people.acme.key}`, 'content-type': 'application/json' }, payload: { url } });
        expect(reply.statusCode, url).toBe(422);
        expect(reply.json().error.reason).toMatch(/loopback/);
      }
    } finally {
      await strict.close();
    }
    expect(await product.as('acme').webhooks()).toEqual(before);
  });

  it('deletes an endpoint: its deliveries not yet made are given up, and it is gone', async () => {
    const doomed = await product.as('acme').createWebhook({ url: `http://127.0.0.1:${await freePort()}/never` });
    const id = (await product.as('acme').start({ kind: 'nre-milestones', businessKey: 'doomed' })).process.id;
    const waiting = await eventually(() => deliveries('acme', doomed.id), (all) => all.length === 1 && all[0].attempts >= 1);
    expect(waiting[0]).toMatchObject({ processId: id, status: 'pending', nextAttemptAt: expect.any(String) });
    // Raw: the 204 itself is what is checked.
    expect((await product.call('acme', 'DELETE', `/v1/webhooks/${doomed.id}`)).status).toBe(204);
    expect((await product.store.listOutbox({ processId: id })).filter((m) => m.endpointId === doomed.id)).toMatchObject([{ status: 'given_up', lastAnswer: 'The endpoint was deleted.' }]);
    await expect(product.as('acme').webhook(doomed.id)).rejects.toMatchObject({ status: 404 });
    expect((await product.as('acme').webhooks()).map((e) => e.id)).not.toContain(doomed.id);
  });

  it('R74 the CLI adds, lists, rotates and removes webhook endpoints, reads their deliveries and redelivers what was missed', async () => {
    const bin = path.join(__dirname, '../cli/partnerflow.mjs');
    const cli = async (who: Person, ...args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, PARTNERFLOW_URL: product.url, PARTNERFLOW_KEY: product.people[who].key } });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const receiver = await app();
    const added = await cli('acme', 'webhooks', 'add', receiver.url, '--event', 'process.step');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('shown this once');
    const secret = added.stdout.trim().split('\n').at(-1)!;
    expect(secret).toMatch(/^whsec_/);
    const id = added.stdout.match(/ep_[A-Za-z0-9_-]+/)![0];
    receiver.useSecrets([secret]);

    const listed = await cli('acme', 'webhooks');
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain(receiver.url);
    expect(listed.stdout).not.toContain('whsec_');

    const processId = (await product.as('acme').start({ kind: 'nre-milestones', businessKey: 'cli-webhooks' })).process.id;
    await eventually(async () => receiver.steps(processId), (s) => s.length === 1);
    const log = await eventually(async () => JSON.parse((await cli('acme', 'webhooks', 'deliveries', id, '--json')).stdout) as { items: WebhookDelivery[] }, (p) => p.items[0]?.status === 'sent');
    expect(log.items).toMatchObject([{ processId, seq: 0, status: 'sent', attempts: 1 }]);
    const human = await cli('acme', 'webhooks', 'deliveries', id);
    expect(human.stdout).toContain(log.items[0].id);
    expect(human.stdout).toContain('200 OK');

    // Disabled meanwhile: the step is kept; --missed sends it once enabled.
    expect((await cli('acme', 'webhooks', 'disable', id)).code).toBe(0);
    const later = (await product.as('acme').start({ kind: 'nre-milestones', businessKey: 'cli-webhooks-disabled' })).process.id;
    await eventually(async () => (await cli('acme', 'webhooks', 'deliveries', id, '--status', 'given_up')).stdout, (out) => out.includes(later));
    expect((await cli('acme', 'webhooks', 'enable', id)).code).toBe(0);
    const redelivered = await cli('acme', 'webhooks', 'redeliver', id, '--missed');
    expect(redelivered.code, redelivered.stderr).toBe(0);
    expect(redelivered.stdout).toContain('pending');
    await eventually(async () => receiver.steps(later), (s) => s.length === 1);
    expect(receiver.refused).toEqual([]);

    const rotated = await cli('acme', 'webhooks', 'rotate', id);
    expect(rotated.stdout.trim().split('\n').at(-1)).toMatch(/^whsec_/);
    expect(rotated.stdout.trim().split('\n').at(-1)).not.toBe(secret);

    const theirs = await cli('globex', 'webhooks', 'deliveries', id);
    expect(theirs.code).toBe(1);
    expect(theirs.stderr).toContain('not_found');
    expect((await cli('acme', 'webhooks', 'add')).code).toBe(2);
    expect((await cli('acme', 'webhooks', 'deliveries', id, '--status', 'lost')).code).toBe(2);
    expect((await cli('acme', 'webhooks', 'redeliver', id)).code).toBe(2);
    expect((await cli('acme', 'webhooks', 'remove', id)).code).toBe(0);
    expect((await cli('acme', 'webhooks')).stdout).not.toContain(id);
  });

  it('describes every webhook route in OpenAPI, with request and response schemas', async () => {
    const spec = (await product.call(null, 'GET', '/openapi.json')).body;
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v1/webhooks', '/v1/webhooks/{id}', '/v1/webhooks/{id}/rotate-secret', '/v1/webhooks/{id}/deliveries', '/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver']),
    );
    const create = spec.paths['/v1/webhooks'].post;
    expect(create.requestBody.content['application/json'].schema.properties).toHaveProperty('url');
    expect(create.responses['201'].content['application/json'].schema.properties).toHaveProperty('secret');
    expect(spec.paths['/v1/webhooks/{id}/deliveries'].get.responses['200'].content['application/json'].schema.properties.items.items.properties).toHaveProperty('attempts');
  });
});
