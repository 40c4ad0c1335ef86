import { createCipheriv, randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AesGcmCodec, ENCRYPTED_ENCODING, payloadCodec } from '../worker/codec';
import { writeFigures } from './support/figures';
import { startProduct, type Product } from './support/product';

/** PII in the engine: Temporal's history holds payloads sealed with AES-256-GCM; ops read them through the codec endpoint. */

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

const email = 'pii.contact@acme-codec.example';
const phone = '+86 139 1234 5678';

/** Everything Temporal returns for a process's history, raw from its gRPC service: every string and every byte as text. */
async function rawHistory(workflowId: string) {
  const response = await product.client.temporal.workflowService.getWorkflowExecutionHistory({
    namespace: product.config.TEMPORAL_NAMESPACE,
    execution: { workflowId },
  });
  const texts: string[] = [];
  const payloads: Payload[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('latin1'));
    else if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      if ('data' in value && 'metadata' in value) payloads.push(value as Payload);
      Object.values(value).forEach(walk);
    }
  };
  walk(response.history);
  return { text: texts.join('\n'), payloads };
}

describe('PII in the engine', () => {
  it('R66 Temporal history holds no email address or phone number in clear; the app still shows them to whom it may', async () => {
    const onboarding = await product.start('acme', 'partner-onboarding', { companyName: 'Acme Codec', contactEmail: email });
    expect(onboarding.status, JSON.stringify(onboarding.body)).toBe(201);
    expect((await product.act('system', onboarding.body.id, { type: 'REAL_NAME_VERIFIED' })).status).toBe(200);
    const bound = await product.act('acme', onboarding.body.id, { type: 'BIND_EMAIL', email });
    expect(bound.status, JSON.stringify(bound.body)).toBe(200);
    expect(JSON.stringify(bound.body)).toContain(email);

    const customer = await product.start('acme', 'customer-creation', { customerId: `codec-${randomBytes(3).toString('hex')}`, name: 'Codec Co.', phone });
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);

    const figures = { historiesChecked: 0, payloadsChecked: 0, sealedPayloads: 0, secretsInClear: 0 };
    for (const [id, secret] of [[onboarding.body.id, email], [customer.body.id, phone]] as const) {
      const raw = await rawHistory(id);
      expect(raw.payloads.length).toBeGreaterThan(0);
      expect(raw.text).not.toContain(secret);
      // Each payload is sealed, naming its key; opened with the deployment's codec, the data is there.
      const sealed = raw.payloads.filter((p) => Buffer.from(p.metadata?.encoding ?? []).toString() === ENCRYPTED_ENCODING);
      expect(sealed.length).toBeGreaterThan(0);
      const opened = await payloadCodec(product.config).decode(sealed);
      expect(opened.map((p) => Buffer.from(p.data ?? []).toString()).join('\n')).toContain(secret);
      figures.historiesChecked++;
      figures.payloadsChecked += raw.payloads.length;
      figures.sealedPayloads += sealed.length;
      if (raw.text.includes(secret)) figures.secretsInClear++;
    }
    writeFigures('pii', figures);
  });

  it('the codec endpoint decodes for ops only, over Temporal’s remote codec protocol, with CORS for the Web UI and no secret in its address', async () => {
    const [sealed] = await payloadCodec(product.config).encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ email })) }]);
    const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(sealed.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(sealed.data!).toString('base64') }] };
    const uiOrigin = inject('temporalUiUrl');
    const post = (route: string, key: string | null, payload: unknown = body) =>
      fetch(product.url + route, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: uiOrigin, 'x-namespace': 'default', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(payload),
      });

    const decoded = await post('/codec/decode', product.people.ops.key);
    expect(decoded.status).toBe(200);
    expect(decoded.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const json = (await decoded.json()) as { payloads: Array<{ data: string; metadata: Record<string, string> }> };
    expect(Buffer.from(json.payloads[0].data, 'base64').toString()).toBe(JSON.stringify({ email }));
    expect(Buffer.from(json.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');

    // The Web UI cannot send our header: ops who sign in to the console get a codec session cookie
    // (HttpOnly, SameSite=Strict, path /codec), which the UI sends with its requests (includeCredentials).
    const session = await fetch(`${product.url}/codec/session`, { method: 'POST', headers: { authorization: `Bearer ${product.people.ops.key}`, 'content-type': 'application/json' }, body: '{}' });
    expect(session.status).toBe(200);
    const setCookie = session.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^pf_codec=[^;]+; Path=\/codec; Max-Age=\d+; HttpOnly; SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    const withCookie = (route: string, value = cookie) =>
      fetch(product.url + route, { method: 'POST', headers: { 'content-type': 'application/json', origin: uiOrigin, cookie: value }, body: JSON.stringify(body) });
    expect((await withCookie('/codec/decode')).status).toBe(200);
    // It opens nothing of the API, and an altered cookie nothing at all.
    expect((await product.call(null, 'GET', '/v1/tasks', undefined, { cookie })).status).toBe(401);
    expect((await withCookie('/codec/decode', cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(401);
    // Nobody but ops opens a session; the old path tokens are gone.
    expect((await product.call('acme', 'POST', '/codec/session', {})).status).toBe(403);
    expect((await product.call(null, 'POST', '/codec/session', {})).status).toBe(401);
    expect((await post(`/codec/${encodeURIComponent(product.people.ops.key)}/decode`, null)).status).toBe(404);
    // Nobody seals through the API, ops included: a sealed payload is what the worker trusts.
    expect((await post('/codec/encode', product.people.ops.key, { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"x"').toString('base64') }] })).status).toBe(404);

    // Nobody else.
    expect((await post('/codec/decode', null)).status).toBe(401);
    expect((await post('/codec/decode', product.people.acme.key)).status).toBe(403);
    expect((await post('/codec/decode', product.people.li.key)).status).toBe(403);
    expect((await post('/codec/decode', product.people.ops.key, { payloads: 'nope' })).status).toBe(422);

    const preflight = await fetch(`${product.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: uiOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');
    // Another site gets no CORS grant.
    const elsewhere = await fetch(`${product.url}/codec/decode`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keys rotate: a payload names its key; the new key seals, the old one still opens; without it, a clear error', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const [sealed] = await new AesGcmCodec([oldKey]).encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(email) }]);
    expect(Buffer.from(sealed.data!).toString('latin1')).not.toContain(email);
    const rotated = new AesGcmCodec([newKey, oldKey]);
    expect(Buffer.from((await rotated.decode([sealed]))[0].data!).toString()).toBe(email);
    const [resealed] = await rotated.encode([{ metadata: {}, data: Buffer.from(email) }]);
    expect(Buffer.from(resealed.metadata!['encryption-key-id']).toString()).toBe(rotated.keyId);
    await expect(new AesGcmCodec([newKey]).decode([sealed])).rejects.toThrow(/not among PAYLOAD_KEY/);
    // A tampered payload does not open.
    const tampered = { ...sealed, data: Buffer.from(sealed.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(rotated.decode([tampered])).rejects.toThrow();
    expect(() => new AesGcmCodec([randomBytes(16)])).toThrow(/32 bytes/);
    expect(() => payloadCodec({ PAYLOAD_KEY: 'c2hvcnQ=', dataDir: product.dataDir })).toThrow(/PAYLOAD_KEY must be 32 random bytes/);
  });

  it('an empty value (an activity that returns nothing) passes as it is; a payload with any bytes or other metadata is sealed', async () => {
    const codec = new AesGcmCodec([randomBytes(32)]);
    const empty = { metadata: { encoding: Buffer.from('binary/null') } };
    expect(await codec.encode([empty])).toEqual([empty]);
    expect(await codec.decode([empty])).toEqual([empty]);
    const payloads: Array<{ metadata: Record<string, Uint8Array>; data?: Uint8Array }> = [
      { metadata: { encoding: Buffer.from('binary/null') }, data: Buffer.from(email) },
      { metadata: { encoding: Buffer.from('binary/null'), note: Buffer.from(email) } },
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('null') },
    ];
    for (const payload of payloads) {
      const [sealed] = await codec.encode([payload]);
      expect(Buffer.from(sealed.metadata!.encoding).toString()).toBe(ENCRYPTED_ENCODING);
      expect(await codec.decode([sealed])).toMatchObject([{ metadata: payload.metadata }]);
    }
  });

  it('a step of history sealed in far fewer bytes than its JSON, and payloads sealed by the first format still open', async () => {
    const key = randomBytes(32);
    const codec = new AesGcmCodec([key]);
    const step = JSON.stringify({ view: { id: 'nre-milestones:acme:x', label: { en: 'Milestone 1 under review', 'zh-CN': '里程碑1验收审核中' } }, records: Array(8).fill({ event: 'APPLY', actor: email }) });
    const [sealed] = await codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(step) }]);
    expect(sealed.data!.length).toBeLessThan(step.length / 2);
    expect(Buffer.from((await codec.decode([sealed]))[0].data!).toString()).toBe(step);
    // The format's label is sealed with the bytes: changed, the payload does not open.
    await expect(codec.decode([{ ...sealed, metadata: { ...sealed.metadata, 'encryption-format': Buffer.from('pb') } }])).rejects.toThrow();

    // The first format: base64 metadata and data in JSON, sealed alike, and no format named.
    const keyId = codec.keyId;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(keyId));
    const inner = JSON.stringify({ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(email).toString('base64') });
    const legacy = { metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), 'encryption-key-id': Buffer.from(keyId) }, data: Buffer.concat([iv, cipher.update(inner), cipher.final(), cipher.getAuthTag()]) };
    expect(Buffer.from((await codec.decode([legacy]))[0].data!).toString()).toBe(email);
  });
});
