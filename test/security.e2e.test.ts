import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteCloudAccounts } from '../activities/cloudAccounts';
import type { Identity } from '../api/keys';
import { apiLimits } from '../api/limits';
import { buildServer } from '../api/server';
import { main as cli } from '../cli/main';
import { openStore } from '../store/db';
import { readConfig } from '../worker/config';
import { createSealer, payloadKeys } from '../worker';
import { AesGcmCodec, payloadCodec, REFUSED_VALUE } from '../worker/codec';
import { licence } from './support/fixtures';
import { eventually, footprint } from './support/flows';
import { startProduct, type Product } from './support/product';

/**
 * The findings of the hostile probe (issue 18), each reproduced as an attacker made it and now refused
 * with nothing changed. docs/SECURITY.md lists the threats and what stops each.
 */

let product: Product;
beforeAll(async () => {
  product = await startProduct({
    console: true,
    env: {
      RATE_LIMIT_PER_MINUTE: '300',
      RATE_LIMIT_STARTS_PER_MINUTE: '5',
      RATE_LIMIT_STARTS_PER_PARTNER_PER_MINUTE: '10',
      EVENT_STREAMS_PER_KEY: '2',
      EVENT_STREAMS_PER_PARTNER: '3',
      EVENT_STREAMS_MAX: '4',
      SMS_CODES_PER_PHONE_PER_DAY: '2',
      SMS_CODES_PER_PARTNER_PER_DAY: '3',
      HTTP_REQUEST_TIMEOUT_MS: '1500',
    },
  });
});
afterAll(() => product?.stop());

/** A fresh identity in the live keys: its own rate-limit counters, its own partner when it is one. */
function newPerson(role: Identity['role'], extra: Partial<Identity> = {}): Identity {
  const suffix = randomUUID().slice(0, 8);
  const identity = {
    key: `test-key-${role}-${suffix}-${randomBytes(8).toString('hex')}`,
    id: `${role}-${suffix}`,
    role,
    ...(role === 'partner' ? { partnerId: `p-${suffix}` } : {}),
    ...extra,
  } as Identity;
  product.keys.set(identity.key, identity);
  return identity;
}

async function as<T = any>(who: Identity | null, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(product.url + route, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${who.key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
}

const processPath = (id: string) => `/v1/processes/${encodeURIComponent(id)}`;

/**
 * A request written by hand: the head and the first part of a body, then the answer's status line as soon
 * as it comes, while the rest of the body is still unsent (or trickles, `trickle` bytes at a time).
 */
function rawRequest(head: string, firstChunk: Buffer, options: { trickleEveryMs?: number } = {}): Promise<{ status: number; sentBytes: number; closed: boolean }> {
  const { port } = new URL(product.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let sent = 0;
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      socket.write(firstChunk);
      sent = firstChunk.length;
      if (options.trickleEveryMs)
        timer = setInterval(() => {
          if (!socket.writable) return;
          socket.write('x');
          sent++;
        }, options.trickleEveryMs);
    });
    const finish = (closed: boolean) => {
      clearInterval(timer);
      const match = answer.match(/^HTTP\/1\.1 (\d{3})/);
      socket.destroy();
      if (match) resolve({ status: Number(match[1]), sentBytes: sent, closed });
      else reject(new Error(`No HTTP answer (got ${JSON.stringify(answer.slice(0, 100))})`));
    };
    socket.on('data', (data) => {
      answer += data.toString('latin1');
      if (answer.includes('\r\n\r\n') && !options.trickleEveryMs) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', (err) => (answer ? finish(true) : reject(err)));
  });
}

describe('finding 1: the engine is no back door', () => {
  it('R72 R73 an Update forged straight to the engine (no edge, no key, an unsealed payload) is refused by the worker and changes nothing', async () => {
    const started = await product.start('acme', 'delivery-evaluation', { project: 'Forged port', materials: [{ name: 'Handover', url: 'https://files.example/h' }] }, { businessKey: `forged-${randomUUID().slice(0, 6)}` });
    expect(started.status).toBe(201);
    const id = started.body.id;
    expect((await product.act('acme', id, { type: 'SUBMIT_EVIDENCE', evidence: [{ name: 'Sign-off', url: 'https://files.example/s' }] })).status).toBe(200);
    const before = await footprint(product, id);

    // What the probe did with `temporal workflow update execute`: a client of the engine without the payload key.
    const connection = await Connection.connect({ address: product.address });
    try {
      // It sends its payloads unsealed; only to read the refusal (sealed by the worker) does this test lend it the key.
      const ours = payloadCodec(product.config);
      const forger = new Client({
        connection,
        namespace: product.config.TEMPORAL_NAMESPACE,
        dataConverter: { payloadCodecs: [{ encode: async (payloads) => payloads, decode: (payloads) => ours.decode(payloads) }] },
      });
      const forged = forger.withDeadline(Date.now() + 20_000, () =>
        forger.workflow.getHandle(id).executeUpdate('act', { args: [{ action: { type: 'CONCLUDE', result: 'passed', comment: 'forged' }, actor: { id: 'wang.reviewer', role: 'reviewer' } }] }),
      );
      // The validator never saw the forged action: only the codec's stand-in, which it refuses writing nothing.
      const refusal = await forged.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((refusal as WorkflowUpdateFailedError).cause as ApplicationFailure).details?.[0]).toMatchObject({ status: 403, code: 'unproven_action' });
      // Nor does a forged fact or any other signal move it.
      await forger.workflow.getHandle(id).signal('fact', { fact: 'businessCertified', value: true, forged: true });
    } finally {
      await connection.close();
    }
    expect(await footprint(product, id)).toEqual(before);
    const view = await product.view('acme', id);
    expect(view.body.records.map((r: { event: string }) => r.event)).not.toContain('CONCLUDE');
    // The process goes on for the people who may move it.
    const concluded = await product.act('wang', id, { type: 'CONCLUDE', result: 'passed' });
    expect(concluded.status, JSON.stringify(concluded.body)).toBe(200);
    expect(concluded.body.records.at(-1)).toMatchObject({ event: 'CONCLUDE', actor: 'wang.reviewer' });
  }, 60_000);

  it('R72 R73 a sealed action lifted from one process’s history is refused as another process’s or as another Update, and changes nothing', async () => {
    const partner = newPerson('partner');
    const submitted = async () => {
      const id = (await as(partner, 'POST', '/v1/processes', { kind: 'business-certification', input: {} })).body.id as string;
      expect((await as(partner, 'POST', `${processPath(id)}/actions`, { type: 'SUBMIT', ...licence })).status).toBe(200);
      return id;
    };
    const source = await submitted();
    // Another partner's certification, waiting for its review.
    const other = newPerson('partner');
    const target = (await as(other, 'POST', '/v1/processes', { kind: 'business-certification', input: {} })).body.id as string;
    expect((await as(other, 'POST', `${processPath(target)}/actions`, { type: 'SUBMIT', ...licence })).status).toBe(200);
    expect((await product.act('wang', source, { type: 'REJECT', comment: 'The licence scan is unreadable.' })).status).toBe(200);

    // What an engine client without the payload key can lift: the sealed bytes of wang's decision, as the history keeps them.
    const connection = await Connection.connect({ address: product.address });
    try {
      const raw = new Client({ connection, namespace: product.config.TEMPORAL_NAMESPACE });
      const history = await raw.workflow.getHandle(source).fetchHistory();
      const accepted = history.events!.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes).filter((a) => a?.acceptedRequest?.input?.name === 'act').at(-1)!;
      const sealed = accepted.acceptedRequest!.input!.args!;
      expect(Buffer.from(sealed.payloads![0].metadata!.encoding!).toString()).toBe('binary/encrypted');

      const before = await footprint(product, target);
      const sourceBefore = await footprint(product, source);
      const sendAs = async (processId: string, updateId: string) => {
        const response = await connection.workflowService.updateWorkflowExecution({
          namespace: product.config.TEMPORAL_NAMESPACE,
          workflowExecution: { workflowId: processId },
          request: { meta: { updateId, identity: 'forger' }, input: { name: 'act', args: sealed } },
          waitPolicy: { lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED },
        });
        return response.outcome?.failure?.message ?? 'accepted';
      };
      expect(await sendAs(target, `replay-${randomUUID()}`)).toMatch(/made for another process/);
      expect(await sendAs(source, `replay-${randomUUID()}`)).toMatch(/made for another Update/);
      expect(await footprint(product, source)).toEqual(sourceBefore);
      expect(await footprint(product, target)).toEqual(before);
      expect((await as(other, 'GET', processPath(target))).body.records.map((r: { event: string }) => r.event)).not.toContain('REJECT');
    } finally {
      await connection.close();
    }
  }, 60_000);

  it('R3 R72 a fact reaches a process only with the edge’s proof made for it: a hand-written or a lifted fact changes nothing', async () => {
    const partner = newPerson('partner');
    const started = await as(partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: { project: 'Facts' }, businessKey: 'facts' });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const before = await footprint(product, id);
    const connection = await Connection.connect({ address: product.address });
    try {
      const unsealed = new Client({ connection, namespace: product.config.TEMPORAL_NAMESPACE, dataConverter: { payloadCodecs: [{ encode: async (p) => p, decode: async (p) => p }] } });
      // The shape ops once sent by hand, which the codec still opens so that old histories replay.
      await unsealed.workflow.getHandle(id).signal('fact', { fact: 'businessCertified', value: true });
      // Sealed, as one lifted from another process's history would be: proven for that process only.
      const sealed = new Client({ connection, namespace: product.config.TEMPORAL_NAMESPACE, dataConverter: { payloadCodecs: [payloadCodec(product.config)] } });
      await sealed.workflow.getHandle(id).signal('fact', { fact: 'businessCertified', value: true, proof: { processId: `${id}-other`, at: new Date().toISOString() } });
      // Read-your-writes: both signals were handled before this answers.
      await product.client.settle(id);
      expect(await footprint(product, id)).toEqual(before);
    } finally {
      await connection.close();
    }
  }, 60_000);

  it('the worker’s codec never reads what it did not seal, but for empty values and the fact signals ops once sent by hand', async () => {
    const refused: Array<string | undefined> = [];
    const codec = new AesGcmCodec([randomBytes(32)], (encoding) => refused.push(encoding));
    const json = (value: unknown) => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) });
    const valueOf = async (payload: { metadata: Record<string, Uint8Array>; data?: Uint8Array }) => JSON.parse(Buffer.from((await codec.decode([payload]))[0].data!).toString());
    expect(await valueOf(json({ action: { type: 'CONCLUDE' }, actor: { id: 'wang.reviewer', role: 'reviewer' } }))).toEqual(REFUSED_VALUE);
    expect(await valueOf({ metadata: {}, data: Buffer.from('x') })).toEqual(REFUSED_VALUE);
    expect(await valueOf(json({ fact: 'businessCertified', value: true, extra: 'no' }))).toEqual(REFUSED_VALUE);
    expect(refused).toEqual(['json/plain', undefined, 'json/plain']);
    const empty = { metadata: { encoding: Buffer.from('binary/null') } };
    expect(await codec.decode([empty])).toEqual([empty]);
    // Running processes may hold such a signal from before repairs went through the API: they must still replay.
    const fact = json({ fact: 'businessCertified', value: true });
    expect(await codec.decode([fact])).toEqual([fact]);
  });

  it('ops repair through the API, audited: cancel, reset, release a held review, resend facts; nobody else may', async () => {
    const partner = newPerson('partner');
    const start = (key: string) => as(partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: { project: 'Repair' }, businessKey: key });
    const cancelled = (await start('cancel-me')).body.id;
    const reset = (await start('reset-me')).body.id;

    // Not ops: refused, nothing written, the run untouched.
    for (const who of [partner, product.people.li as Identity]) {
      const refused = await as(who, 'POST', `${processPath(cancelled)}/repairs`, { action: 'cancel', reason: 'I want it gone' });
      expect(refused.status).toBe(403);
    }
    expect((await as(product.people.ops as Identity, 'POST', `${processPath(cancelled)}/repairs`, { action: 'cancel' })).status).toBe(422);
    expect((await as(product.people.ops as Identity, 'GET', `/v1/repairs?processId=${encodeURIComponent(cancelled)}`)).body.items).toEqual([]);

    // Cancel, with the CLI as ops use it.
    const lines: string[] = [];
    const code = await cli(['cancel', cancelled, '--reason', 'started by mistake', '--json'], (text) => lines.push(text), { PARTNERFLOW_URL: product.url, PARTNERFLOW_KEY: product.people.ops.key });
    expect(code).toBe(0);
    expect(JSON.parse(lines.join('\n'))).toMatchObject({ processId: cancelled, action: 'cancel', reason: 'started by mistake', actorId: 'ops', outcome: 'done' });
    const described = await eventually(() => product.client.temporal.workflow.getHandle(cancelled).describe(), (d) => d.status.name !== 'RUNNING');
    expect(described.status.name).toBe('CANCELLED');
    expect((await as(product.people.ops as Identity, 'POST', `${processPath(cancelled)}/repairs`, { action: 'cancel', reason: 'again' })).body.error.code).toBe('not_running');

    // Reset to the last workflow task: a new run on the current code, the process as it was.
    const before = await footprint(product, reset);
    const done = await as(product.people.ops as Identity, 'POST', `${processPath(reset)}/repairs`, { action: 'reset', reason: 'redeployed fix for #123' });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({ action: 'reset', outcome: 'done', detail: { point: 'last-workflow-task' } });
    expect(done.body.runId).toBeTruthy();
    expect((await as(product.people.ops as Identity, 'POST', `${processPath(reset)}/repairs`, { action: 'reset', reason: 'to nowhere', eventId: 99999 })).body.error.code).toBe('invalid_reset_point');
    expect(await footprint(product, reset)).toEqual(before);

    // Nothing to resend, nothing held: refused with a reason, no audit record.
    const ops = product.people.ops as Identity;
    expect((await as(ops, 'POST', `${processPath(reset)}/repairs`, { action: 'resend-facts', reason: 'lost signal' })).body.error.code).toBe('no_facts');
    expect((await as(ops, 'POST', `${processPath(reset)}/repairs`, { action: 'release-review', reason: 'away' })).body.error.code).toBe('not_waiting_for_review');

    // A review Li holds while away: ops free it.
    const certification = (await as(partner, 'POST', '/v1/processes', { kind: 'business-certification', input: {} })).body.id;
    expect((await as(partner, 'POST', `${processPath(certification)}/actions`, { type: 'SUBMIT', ...licence })).status).toBe(200);
    expect((await product.call('li', 'POST', `/v1/tasks/${encodeURIComponent(certification)}/claim`)).status).toBe(200);
    const released = await as(ops, 'POST', `${processPath(certification)}/repairs`, { action: 'release-review', reason: 'Li is on leave' });
    expect(released.body).toMatchObject({ action: 'release-review', outcome: 'done', detail: { heldBy: 'li.reviewer' } });
    expect((await product.store.getTask(certification, 'reviewer'))?.claimedBy).toBeNull();
    // Certified now: the partner's milestone process is told again what it may have missed.
    expect((await product.act('wang', certification, { type: 'APPROVE' })).status).toBe(200);
    const resent = await as(ops, 'POST', `${processPath(reset)}/repairs`, { action: 'resend-facts', reason: 'the announcement failed while the worker was down' });
    expect(resent.status, JSON.stringify(resent.body)).toBe(201);
    expect(resent.body.detail.facts).toContainEqual({ fact: 'businessCertified', value: true });

    const audit = (await as(ops, 'GET', '/v1/repairs?limit=100')).body.items.filter((r: { processId: string }) => [cancelled, reset, certification].includes(r.processId));
    expect(audit.map((r: { action: string; outcome: string }) => `${r.action}:${r.outcome}`).sort()).toEqual(['cancel:done', 'release-review:done', 'resend-facts:done', 'reset:done', 'reset:failed']);
    const listed: string[] = [];
    expect(await cli(['repairs', certification], (text) => listed.push(text), { PARTNERFLOW_URL: product.url, PARTNERFLOW_KEY: ops.key })).toBe(0);
    expect(listed.join('\n')).toContain('Li is on leave');
    expect((await as(partner, 'GET', '/v1/repairs')).status).toBe(403);
  }, 90_000);
});

describe('finding 2: authentication before parsing, timeouts, body limits', () => {
  it('R73 a 4 MiB body to the codec, or any body to the API, is refused 401 before it is read', async () => {
    const big = 4 * 1024 * 1024;
    const codec = await rawRequest(
      `POST /codec/decode HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${big}\r\nauthorization: Bearer not-a-key\r\n\r\n`,
      Buffer.from('{"payloads":['),
    );
    expect(codec.status).toBe(401);
    expect(codec.sentBytes).toBeLessThan(big);
    const noKey = await rawRequest(`POST /codec/decode HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${big}\r\n\r\n`, Buffer.from('{'));
    expect(noKey.status).toBe(401);
    const api = await rawRequest(`POST /v1/processes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 60000\r\nauthorization: Bearer nope\r\n\r\n`, Buffer.from('{"kind":'));
    expect(api.status).toBe(401);
    expect((await fetch(`${product.url}/healthz`)).status).toBe(200);
  });

  it('R73 a body sent a byte at a time is cut off (408) and starts nothing', async () => {
    const partner = newPerson('partner');
    const body = JSON.stringify({ kind: 'nre-milestones', input: {}, businessKey: 'slow' });
    const answer = await rawRequest(
      `POST /v1/processes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length + 1000}\r\nauthorization: Bearer ${partner.key}\r\n\r\n`,
      Buffer.from(body.slice(0, 10)),
      { trickleEveryMs: 200 },
    );
    expect(answer.status).toBe(408);
    expect(answer.closed).toBe(true);
    expect((await as(partner, 'GET', '/v1/processes')).body.items).toEqual([]);
  });

  it('R73 a connection that sits idle, kept alive after an answer or with a body that stalls, is closed after HTTP_IDLE_TIMEOUT_MS', async () => {
    // A server of its own with a short idle timeout and a long request timeout: only the idle timeout can close these.
    const app = await buildServer({
      client: product.client, store: product.store, keys: product.keys, log: pino({ level: 'silent' }),
      webhooks: { sealer: createSealer(payloadKeys(product.config)), targets: product.config.WEBHOOK_TARGETS },
      limits: { ...apiLimits(readConfig({ HTTP_IDLE_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '60000' })) },
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const closedAfter = (text: string) =>
      new Promise<{ ms: number; answer: string }>((resolve) => {
        const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
        const opened = Date.now();
        let answer = '';
        socket.on('connect', () => socket.write(text));
        socket.on('data', (data) => (answer += data.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve({ ms: Date.now() - opened, answer }));
      });
    try {
      const partner = newPerson('partner');
      const keptAlive = await closedAfter(`GET /v1/me HTTP/1.1\r\nhost: x\r\nconnection: keep-alive\r\nauthorization: Bearer ${partner.key}\r\n\r\n`);
      expect(keptAlive.answer).toMatch(/^HTTP\/1\.1 200/);
      // Fastify keeps an idle connection 72 s by default; the request timeout here is 60 s.
      expect(keptAlive.ms).toBeGreaterThanOrEqual(900);
      expect(keptAlive.ms).toBeLessThan(10_000);
      const stalled = await closedAfter(
        `POST /v1/processes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\nauthorization: Bearer ${partner.key}\r\n\r\n{"kind":`,
      );
      expect(stalled.ms).toBeGreaterThanOrEqual(900);
      expect(stalled.ms).toBeLessThan(10_000);
      expect((await as(partner, 'GET', '/v1/processes')).body.items).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('R73 each route takes the body it needs: a claim 1 KiB, an action 64 KiB (413, nothing changed)', async () => {
    const claim = await as(product.people.li as Identity, 'POST', '/v1/tasks/x/claim', { pad: 'x'.repeat(2048) });
    expect(claim.status).toBe(413);
    expect(claim.body.error).toMatchObject({ code: 'body_too_large', reason: expect.stringContaining('1 KiB') });
    const action = await as(product.people.acme as Identity, 'POST', `${processPath('nre-milestones:x:y')}/actions`, { type: 'APPLY', pad: 'x'.repeat(70 * 1024) });
    expect(action.status).toBe(413);
    expect(action.body.error.reason).toContain('64 KiB');
  });
});

describe('finding 3: customer ids are each partner’s own', () => {
  it('R65 R66 R72 another partner cannot take a customer id, nor learn that it exists; a customer reads only its own partner’s record', async () => {
    const acme = newPerson('partner');
    const bob = newPerson('partner');
    const id = `zhao-${randomUUID().slice(0, 6)}`;
    const create = (who: Identity, name: string, key = id) => as(who, 'POST', '/v1/processes', { kind: 'customer-creation', input: { customerId: id, name }, businessKey: key });

    // Bob gets there first, as in the probe.
    const bobs = await create(bob, 'Bob’s Zhao');
    expect(bobs.status).toBe(201);
    await eventually(() => as(bob, 'GET', processPath(bobs.body.id)), (r) => r.body.done);
    // acme's customer of that name is not "taken": it is acme's own, like any fresh id.
    const acmes = await create(acme, 'Zhao Trading');
    expect(acmes.status).toBe(201);
    const created = await eventually(() => as(acme, 'GET', processPath(acmes.body.id)), (r) => r.body.done);
    expect(created.body).toMatchObject({ state: 'created' });
    expect(created.body.data.refusal).toBeUndefined();

    const zhao = newPerson('customer', { customerId: id, partnerId: acme.partnerId });
    const read = await as(zhao, 'GET', `/v1/customers/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, partnerId: acme.partnerId, name: 'Zhao Trading' });
    expect((await as(bob, 'GET', `/v1/customers/${id}`)).body).toMatchObject({ partnerId: bob.partnerId, name: 'Bob’s Zhao' });
    expect((await as(acme, 'GET', `/v1/customers/${id}`)).body.cloudAccountId).not.toBe((await as(bob, 'GET', `/v1/customers/${id}`)).body.cloudAccountId);
    // Staff name the partner when the id alone is ambiguous.
    expect((await as(product.people.ops as Identity, 'GET', `/v1/customers/${id}`)).body.error.code).toBe('ambiguous_customer');
    expect((await as(product.people.ops as Identity, 'GET', `/v1/customers/${id}?partnerId=${bob.partnerId}`)).body.name).toBe('Bob’s Zhao');

    // The only refusal left is about a partner's own customers.
    const again = await create(bob, 'Bob again', `${id}-again`);
    const refused = await eventually(() => as(bob, 'GET', processPath(again.body.id)), (r) => r.body.done);
    expect(refused.body).toMatchObject({ state: 'refused' });
  }, 60_000);
});

describe('finding 4: limits on every caller', () => {
  it('R73 process starts per key per minute: the sixth is 429 with Retry-After and starts nothing', async () => {
    const partner = newPerson('partner');
    for (let i = 0; i < 5; i++) expect((await as(partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: `s${i}` })).status).toBe(201);
    const refused = await as(partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: 's5' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await product.store.getProcess(`nre-milestones:${partner.partnerId}:s5`)).toBeNull();
    // Another key is not held up.
    expect((await as(newPerson('partner'), 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: 's5' })).status).toBe(201);
  }, 60_000);

  it('R73 process starts per partner per minute, all its keys together: keys it mints give it no more; other partners go on', async () => {
    const partner = newPerson('partner');
    const keys = [partner, newPerson('partner', { partnerId: partner.partnerId }), newPerson('manager', { partnerId: partner.partnerId })];
    const start = (who: Identity, key: string) => as(who, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: key });
    // Five each with the first two keys: under each key's own limit, and the partner's ten.
    for (const [k, who] of keys.slice(0, 2).entries()) for (let i = 0; i < 5; i++) expect((await start(who, `p${k}-${i}`)).status).toBe(201);
    const refused = await start(keys[2], 'p2-0');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.body.error.reason).toContain(`keys of partner ${partner.partnerId} together`);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await product.store.getProcess(`nre-milestones:${partner.partnerId}:p2-0`)).toBeNull();
    expect((await start(newPerson('partner'), 'p2-0')).status).toBe(201);
  }, 60_000);

  it('requests per key per minute: over the limit 429 with Retry-After; other keys go on', async () => {
    const busy = newPerson('reviewer');
    let status = 200;
    for (let i = 0; i <= 300 && status === 200; i++) status = (await as(busy, 'GET', '/v1/me')).status;
    expect(status).toBe(429);
    const refused = await as(busy, 'GET', '/v1/me');
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await as(newPerson('reviewer'), 'GET', '/v1/me')).status).toBe(200);
  });

  it('R66 SMS codes per phone number and per partner a day, however the number is spelt: 429, no process, no message', async () => {
    const partner = newPerson('partner');
    const middle = String(randomBytes(2).readUInt16BE() % 10_000).padStart(4, '0');
    const phone = `+86 137 ${middle} 0000`;
    // A second key of the partner's takes some starts: each key may start only 5 a minute here.
    const colleague = newPerson('partner', { partnerId: partner.partnerId });
    const create = (customerId: string, to = phone, who = partner) => as(who, 'POST', '/v1/processes', { kind: 'customer-creation', input: { customerId, name: 'Flood Co.', phone: to }, businessKey: customerId });
    const sms = async (to: string) => (await product.store.listOutbox({ recipient: to })).filter((m) => m.channel === 'sms');
    // The same phone written with the country code and no +: it is the second code to that number.
    const noPlus = `86137${middle}0000`;
    expect((await create('flood-1')).status).toBe(201);
    expect((await create('flood-2', noPlus)).status).toBe(201);
    await eventually(async () => [...(await sms(phone)), ...(await sms(noPlus))], (messages) => messages.length === 2);
    // Every other spelling of it (E.164, national, the 00 prefix, with dashes) counts against the same two.
    for (const [i, spelling] of [`+86137${middle}0000`, `137${middle}0000`, `0086137${middle}0000`, `+86-137-${middle}-0000`, phone].entries()) {
      const refused = await create(`flood-${3 + i}`, spelling, colleague);
      expect(refused.status, spelling).toBe(429);
      expect(refused.body.error.code).toBe('sms_quota_exceeded');
      expect(refused.body.error.reason).toContain('to this phone number');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await product.store.getProcess(`customer-creation:${partner.partnerId}:flood-${3 + i}`)).toBeNull();
      expect(await sms(spelling)).toHaveLength(spelling === phone ? 1 : 0);
    }
    // A new code to that phone is refused alike, and the process does not move.
    const first = `customer-creation:${partner.partnerId}:flood-1`;
    const before = await footprint(product, first);
    expect((await as(partner, 'POST', `${processPath(first)}/actions`, { type: 'RESEND_CODE' })).body.error.code).toBe('sms_quota_exceeded');
    expect(await footprint(product, first)).toEqual(before);
    // Per partner: its third code of the day to another phone is its last.
    expect((await create('other-1', '+86 136 0000 0001')).status).toBe(201);
    const partnerFull = await create('other-2', '+86 136 0000 0002');
    expect(partnerFull.status).toBe(429);
    expect(partnerFull.body.error.reason).toContain('for this partner');
    expect(await sms('+86 136 0000 0002')).toEqual([]);
  }, 60_000);

  it('R71 event streams: capped per key, per partner (all its keys) and overall; every stream is served by one query a tick that reads no records while idle', async () => {
    const partner = newPerson('partner');
    const colleague = newPerson('partner', { partnerId: partner.partnerId });
    const ids: string[] = [];
    for (const key of ['streams-a', 'streams-b']) ids.push((await as(partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: key })).body.id);
    const open: AbortController[] = [];
    const stream = async (who: Identity, id: string) => {
      const abort = new AbortController();
      const response = await fetch(`${product.url}${processPath(id)}/events`, { headers: { authorization: `Bearer ${who.key}` }, signal: abort.signal });
      if (response.ok) open.push(abort);
      const refusal = response.ok ? undefined : ((await response.json()) as { error: { code: string; reason: string } }).error;
      return Object.assign(response, { refusal });
    };
    const reviewer = newPerson('reviewer');
    const third = newPerson('reviewer');

    // What the poller asks the store: each call of processVersions with the ids it names.
    const calls = { listRecords: 0, processVersions: [] as string[][] };
    const store = product.store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const originals = { listRecords: store.listRecords, processVersions: store.processVersions };
    store.listRecords = (...args) => {
      calls.listRecords++;
      return originals.listRecords.apply(product.store, args);
    };
    store.processVersions = (...args) => {
      calls.processVersions.push([...(args[0] as string[])].sort());
      return originals.processVersions.apply(product.store, args);
    };
    try {
      expect((await stream(partner, ids[0])).status).toBe(200);
      expect((await stream(partner, ids[1])).status).toBe(200);
      const perKey = await stream(partner, ids[0]);
      expect(perKey.status).toBe(429);
      expect(perKey.headers.get('retry-after')).toBeTruthy();
      // Another key of the same partner: the partner's third stream is its last.
      expect((await stream(colleague, ids[1])).status).toBe(200);
      const perPartner = await stream(colleague, ids[0]);
      expect(perPartner.status).toBe(429);
      expect(perPartner.refusal).toMatchObject({ code: 'too_many_streams', reason: expect.stringContaining(`keys of partner ${partner.partnerId}`) });
      expect((await stream(reviewer, ids[0])).status).toBe(200);
      const full = await stream(third, ids[1]);
      expect(full.status).toBe(503);
      expect(full.headers.get('retry-after')).toBeTruthy();

      // Four idle streams on two processes: each tick is one query naming both processes, not one per stream,
      // and no records are read while nothing moves.
      const opened = calls.processVersions.length;
      const idleRecords = calls.listRecords;
      const started = Date.now();
      await eventually(async () => calls.processVersions.length, (n) => n >= opened + 4);
      const elapsed = Date.now() - started;
      const ticks = calls.processVersions.slice(opened);
      for (const asked of ticks) expect(asked).toEqual([...ids].sort());
      // One a tick (every 500 ms): four streams polling each on its own would ask four times as often.
      expect(ticks.length).toBeLessThanOrEqual(Math.ceil(elapsed / 500) + 1);
      expect(calls.listRecords).toBe(idleRecords);
    } finally {
      Object.assign(store, originals);
      for (const abort of open) abort.abort();
    }
    // Closed streams free their places.
    await eventually(() => stream(third, ids[1]).then((r) => r.status), (status) => status === 200);
    for (const abort of open) abort.abort();
  }, 60_000);
});

describe('finding 5: idempotency is the caller’s in its role', () => {
  it('R72 R73 one person’s Idempotency-Key used with its reviewer key gets 403, not the answer its partner key got', async () => {
    const started = await product.start('chenPartner', 'business-certification', {});
    expect(started.status).toBe(201);
    const id = started.body.id;
    const submitted = await product.act('chenPartner', id, { type: 'SUBMIT', ...licence }, { 'idempotency-key': 'same-key' });
    expect(submitted.status).toBe(200);
    expect((await product.store.listRecords(id)).at(-1)?.updateId).toBe(`${product.people.chenPartner.id}:partner:same-key`);
    const before = await footprint(product, id);
    const replayed = await product.act('chenReviewer', id, { type: 'SUBMIT', ...licence }, { 'idempotency-key': 'same-key' });
    expect(replayed.status).toBe(403);
    expect(replayed.body.error.code).toBe('role_not_allowed');
    const approve = await product.act('chenReviewer', id, { type: 'APPROVE' }, { 'idempotency-key': 'same-key' });
    expect(approve.body.error.code).toBe('four_eyes');
    expect(await footprint(product, id)).toEqual(before);
    // The partner's own retry is still answered from the audit trail.
    expect((await product.act('chenPartner', id, { type: 'SUBMIT', ...licence }, { 'idempotency-key': 'same-key' })).status).toBe(200);
    expect(await footprint(product, id)).toEqual(before);
  }, 60_000);
});

describe('finding 6: secrets at rest and in logs', () => {
  it('the data folder is 0700 and its files 0600, also one an earlier release left 0755 / 0644', async () => {
    const mode = (file: string) => fs.statSync(file).mode & 0o777;
    expect(mode(product.dataDir)).toBe(0o700);
    expect(mode(path.join(product.dataDir, 'records.sqlite'))).toBe(0o600);
    expect(mode(path.join(product.dataDir, 'cloud-accounts.sqlite'))).toBe(0o600);

    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-old-'));
    try {
      fs.chmodSync(old, 0o755);
      for (const file of ['dev-keys.json', 'payload-key', 'consumption.json']) fs.writeFileSync(path.join(old, file), '{}', { mode: 0o644 });
      fs.mkdirSync(path.join(old, 'temporal-ui'), { mode: 0o755 });
      fs.writeFileSync(path.join(old, 'temporal-ui', 'settings.yaml'), '', { mode: 0o644 });
      const store = await openStore({ dataDir: old });
      await store.close();
      sqliteCloudAccounts(path.join(old, 'cloud-accounts.sqlite')).close();
      expect(mode(old)).toBe(0o700);
      expect(mode(path.join(old, 'temporal-ui'))).toBe(0o700);
      for (const file of ['dev-keys.json', 'payload-key', 'consumption.json', 'records.sqlite', 'cloud-accounts.sqlite', 'temporal-ui/settings.yaml'])
        expect([file, mode(path.join(old, file))]).toEqual([file, 0o600]);
    } finally {
      fs.rmSync(old, { recursive: true, force: true });
    }
  });

  it('tokens in paths (invitations, old codec tokens) are redacted in the request log', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    const app = await buildServer({ client: product.client, store: product.store, keys: product.keys, log, webhooks: { sealer: createSealer(payloadKeys(product.config)), targets: product.config.WEBHOOK_TARGETS } });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const invitation = `inv${randomBytes(12).toString('hex')}`;
      const codecToken = `tok${randomBytes(12).toString('hex')}`;
      await fetch(`${url}/v1/invitations/${invitation}/accept`, { method: 'POST', headers: { authorization: `Bearer ${product.people.lin.key}` } });
      await fetch(`${url}/codec/${codecToken}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const text = lines.join('');
      expect(text).toContain('/v1/invitations/[redacted]/accept');
      expect(text).toContain('/codec/[redacted]/decode');
      expect(text).not.toContain(invitation);
      expect(text).not.toContain(codecToken);
    } finally {
      await app.close();
    }
  });
});

describe('finding 7: security headers', () => {
  it('the console and the API say what may run, and that no other site may frame them', async () => {
    const page = await fetch(`${product.url}/`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain('unsafe');
    expect(csp).toContain("frame-ancestors 'none'");
    for (const response of [page, await fetch(`${product.url}/v1/me`, { headers: { authorization: `Bearer ${product.people.acme.key}` } })]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    const api = await fetch(`${product.url}/v1/me`, { headers: { authorization: `Bearer ${product.people.acme.key}` } });
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('an event stream, written past the framework, carries the same headers', async () => {
    const partner = newPerson('partner');
    const id = (await as(partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: 'headers' })).body.id;
    const abort = new AbortController();
    // (Streams of an earlier test may still be closing: this server allows four at once.)
    const stream = await eventually(
      () => fetch(`${product.url}${processPath(id)}/events`, { headers: { authorization: `Bearer ${partner.key}` }, signal: abort.signal }),
      (r) => r.status !== 503 || (void r.body?.cancel(), false),
    );
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toContain('text/event-stream');
      expect(stream.headers.get('x-content-type-options')).toBe('nosniff');
      expect(stream.headers.get('referrer-policy')).toBe('no-referrer');
      expect(stream.headers.get('x-frame-options')).toBe('DENY');
      expect(stream.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    } finally {
      abort.abort();
    }
  });
});

describe('finding 8: links, business keys, long ids', () => {
  it('R31 R73 a javascript: or data: link in materials or evidence is refused at the edge, and nothing is started or recorded', async () => {
    const partner = newPerson('partner');
    const bad = await as(partner, 'POST', '/v1/processes', { kind: 'delivery-evaluation', input: { project: 'X', materials: [{ name: 'Click me', url: 'javascript:alert(document.cookie)' }] }, businessKey: 'js' });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'unsafe_link', reason: expect.stringContaining('materials[0].url') });
    expect(await product.store.getProcess(`delivery-evaluation:${partner.partnerId}:js`)).toBeNull();

    const good = await as(partner, 'POST', '/v1/processes', { kind: 'delivery-evaluation', input: { project: 'X', materials: [{ name: 'Handover', url: 'https://files.example/h' }] }, businessKey: 'ok' });
    expect(good.status).toBe(201);
    const before = await footprint(product, good.body.id);
    const evidence = await as(partner, 'POST', `${processPath(good.body.id)}/actions`, { type: 'SUBMIT_EVIDENCE', evidence: [{ name: 'x', url: 'data:text/html,<script>alert(1)</script>' }] });
    expect(evidence.status).toBe(422);
    expect(evidence.body.error.code).toBe('unsafe_link');
    expect(await footprint(product, good.body.id)).toEqual(before);
  }, 60_000);

  it('R40 a partner’s business key never names its customer’s process, nor one customer’s another’s', async () => {
    const qian = product.people.qian;
    const partnerKey = await product.start('acme', 'disassociation', { associationType: 'resale', customerId: qian.customerId }, { businessKey: `${qian.customerId}.k1` });
    expect(partnerKey.status, JSON.stringify(partnerKey.body)).toBe(201);
    const customerKey = await product.start('qian', 'disassociation', { associationType: 'resale' }, { businessKey: 'k1' });
    expect(customerKey.status, JSON.stringify(customerKey.body)).toBe(201);
    expect(customerKey.body.id).not.toBe(partnerKey.body.id);
    const otherCustomer = await product.start('sun', 'disassociation', { associationType: 'resale' }, { businessKey: 'k1' });
    expect(otherCustomer.status).toBe(201);
    expect(new Set([partnerKey.body.id, customerKey.body.id, otherCustomer.body.id]).size).toBe(3);
    // The customer's own retry finds its process again.
    expect((await product.start('qian', 'disassociation', { associationType: 'resale' }, { businessKey: 'k1' })).body.id).toBe(customerKey.body.id);
  }, 60_000);

  it('ids as long as the schema allows are routable', async () => {
    // The longest id a start makes: the longest partner id a key may carry (100), and the longest business key kept as written (64).
    const partner = newPerson('partner', { partnerId: `partner-${'x'.repeat(92)}` });
    const started = await as(partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey: 'k'.repeat(64) });
    expect(started.status).toBe(201);
    expect(started.body.id).toBe(`nre-milestones:${partner.partnerId}:${'k'.repeat(64)}`);
    // The longest id the path schema takes (300), in characters that percent-encode to 9 bytes each: routed and
    // answered (404 for nobody's process), not lost to the router; one more is refused by the schema, naming it.
    const longest = '流'.repeat(300);
    for (const route of [processPath(longest), `${processPath(longest)}/events`]) {
      const answer = await as(partner, 'GET', route);
      expect([route.length, answer.status, answer.body.error.code]).toEqual([route.length, 404, 'not_found']);
    }
    const tooLong = await as(partner, 'GET', processPath(`${longest}流`));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'invalid_params', reason: expect.stringContaining('id') });
    expect(tooLong.body.error.reason).toContain('300');
    expect((await as(partner, 'GET', processPath(started.body.id))).status).toBe(200);
    expect((await as(partner, 'GET', `/v1/partners/${encodeURIComponent(partner.partnerId!)}`)).status).toBe(200);
    // (The streams of the test before may still be closing: this server allows four at once.)
    const events = () =>
      fetch(`${product.url}${processPath(started.body.id)}/events?after=0`, { headers: { authorization: `Bearer ${partner.key}` } }).then(async (r) => {
        await r.body?.cancel();
        return r.status;
      });
    expect(await eventually(events, (status) => status !== 503)).toBe(200);
  }, 60_000);
});
