import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../machines/registry';
import { certifyBusiness, footprint } from './support/flows';
import { startProduct, type Product } from './support/product';
import { materials } from './support/fixtures';

let product: Product;
let id: string;
beforeAll(async () => {
  product = await startProduct();
  await certifyBusiness(product, 'acme');
  id = (await product.start('acme', 'nre-milestones', {}, { businessKey: 'edge' })).body.id;
  await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
});
afterAll(() => product?.stop());

const raw = (method: string, route: string, body: string | undefined, headers: Record<string, string>) =>
  fetch(product.url + route, { method, headers, body }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('bad input at the edge: a clear 4xx naming what was wrong, and nothing changed', () => {
  it('R73 answers every kind of bad request with { error: { code, reason } } and leaves the process as it was', async () => {
    const before = await footprint(product, id);
    const auth = { authorization: `Bearer ${product.people.acme.key}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const actions = `/v1/processes/${encodeURIComponent(id)}/actions`;
    const cases: Array<[string, Promise<{ status: number; body: any }>, number, string, RegExp?]> = [
      ['malformed JSON', raw('POST', actions, '{"type": "APPLY",', json), 400, 'malformed_json'],
      ['huge body', raw('POST', actions, JSON.stringify({ type: 'WITHDRAW', note: 'x'.repeat(100_000) }), json), 413, 'body_too_large'],
      ['no key', raw('GET', `/v1/processes/${encodeURIComponent(id)}`, undefined, {}), 401, 'unauthenticated'],
      ['wrong key', raw('GET', '/v1/processes', undefined, { authorization: 'Bearer nope-nope-nope' }), 401, 'invalid_key'],
      ['unknown event', product.act('acme', id, { type: 'LAUNCH' }), 422, 'unknown_event', /LAUNCH/],
      ['extra field', product.act('acme', id, { type: 'WITHDRAW', reason: 'x' }), 422, 'invalid_payload', /unknown field "reason"/],
      ['wrong type', product.act('li', id, { type: 'REJECT', comment: 42 }), 422, 'invalid_payload', /comment/],
      ['missing field', product.act('li', id, { type: 'REJECT' }), 422, 'invalid_payload', /comment/],
      ['no type', product.act('acme', id, { milestone: 1 }), 422, 'invalid_body', /type/],
      ['array body', product.call('acme', 'POST', actions, [1, 2]), 422, 'invalid_body'],
      ['prototype pollution', product.call('acme', 'POST', actions, '{"type":"WITHDRAW","__proto__":{"admin":true}}'), 400, 'forbidden_key'],
      ['wrong role', product.act('zhao', id, { type: 'APPROVE' }), 404, 'not_found'],
      ['other partner', product.act('globex', id, { type: 'WITHDRAW' }), 404, 'not_found'],
      ['bad If-Match', product.act('li', id, { type: 'APPROVE' }, { 'if-match': 'yesterday' }), 400, 'invalid_if_match'],
      ['malformed URL', raw('GET', '/v1/processes/%E0%A4%A', undefined, auth), 400, 'bad_request'],
    ];
    for (const [what, reply, status, code, reason] of cases) {
      const { status: got, body } = await reply;
      expect([what, got, body?.error?.code]).toEqual([what, status, code]);
      expect(body.error.reason.length, what).toBeGreaterThan(10);
      if (reason) expect(body.error.reason, what).toMatch(reason);
    }
    expect(await footprint(product, id)).toEqual(before);
  });

  it('R73 refuses bad starts without creating anything', async () => {
    const cases: Array<[string, Promise<{ status: number; body: any }>, number, string, RegExp?]> = [
      ['unknown kind', product.start('acme', 'moon-landing'), 422, 'unknown_kind', /nre-milestones/],
      ['extra field', product.call('acme', 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, colour: 'red' }), 422, 'invalid_body', /colour/],
      ['bad input', product.start('acme', 'partner-onboarding', { companyName: '' }), 422, 'invalid_input', /companyName/],
      ['unknown input field', product.start('acme', 'nre-milestones', { budget: 5 }, { businessKey: 'bad-input' }), 422, 'invalid_input', /budget/],
      ['wrong role', product.start('li', 'nre-milestones', {}, { businessKey: 'by-reviewer' }), 403, 'role_not_allowed'],
      ['for another partner', product.start('acme', 'nre-milestones', {}, { businessKey: 'other', partnerId: 'globex' }), 403, 'not_your_partner', /globex/],
    ];
    for (const [what, reply, status, code, reason] of cases) {
      const { status: got, body } = await reply;
      expect([what, got, body?.error?.code]).toEqual([what, status, code]);
      if (reason) expect(body.error.reason, what).toMatch(reason);
    }
    const { body } = await product.call('ops', 'GET', '/v1/processes?limit=100');
    expect(body.items.map((p: { id: string }) => p.id).filter((p: string) => /bad-input|by-reviewer|other|partner-onboarding/.test(p))).toEqual([]);
  });

  it('answers 404 for an unknown process, route or kind', async () => {
    expect((await product.view('acme', 'nre-milestones:nobody:nothing')).body.error.code).toBe('not_found');
    expect((await product.call('acme', 'GET', '/v2/everything')).body.error.code).toBe('no_such_route');
    expect((await product.call('acme', 'GET', '/v1/kinds/moon-landing')).status).toBe(404);
  });
});

describe('the rest of the v1 contract', () => {
  it('R24 describes each kind: states with labels, events with JSON Schema and roles, and a Mermaid diagram', async () => {
    const { body } = await product.call('acme', 'GET', '/v1/kinds');
    expect(body.items.map((k: { kind: string }) => k.kind).sort()).toEqual(Object.keys(registry).sort());
    const nre = (await product.call('li', 'GET', '/v1/kinds/nre-milestones')).body;
    expect(nre.mermaid).toMatch(/^stateDiagram-v2\n/);
    expect(nre.mermaid).toContain('open --> underReview : APPLY');
    const apply = nre.events.find((e: { type: string }) => e.type === 'APPLY');
    expect(apply.roles).toEqual(['partner']);
    expect(apply.payload.required).toEqual(['milestone', 'materials']);
    const underReview = nre.states.find((s: { id: string }) => s.id === 'underReview');
    expect(underReview.label['zh-CN']).toBe('里程碑验收审核中');
    expect(underReview.allowed).toContainEqual({ event: 'APPROVE', roles: ['reviewer'] });
  });

  it('R24 tells each caller what it can do now, with the values a guard expects', async () => {
    const asPartner = (await product.view('acme', id)).body.allowedActions.map((a: { type: string }) => a.type);
    const asReviewer = (await product.view('li', id)).body.allowedActions.map((a: { type: string }) => a.type);
    expect(asPartner).toEqual(['WITHDRAW']);
    expect(asReviewer).toEqual(['APPROVE', 'REJECT', 'REQUEST_MORE']);
    expect((await product.view('li', id)).body.allowedActions[0].label).toEqual({ en: 'Approve', 'zh-CN': '审核通过' });
  });

  it('pages lists with a cursor, and a partner lists only its own processes', async () => {
    for (const key of ['page-a', 'page-b', 'page-c']) await product.start('acme', 'nre-milestones', {}, { businessKey: key });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await product.call('acme', 'GET', `/v1/processes?kind=nre-milestones&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((p: { id: string }) => p.id));
      cursor = page.body.next;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(4);
    expect(seen.every((s) => s.includes(product.people.acme.partnerId))).toBe(true);
    expect((await product.call('acme', 'GET', '/v1/processes?cursor=%%%')).status).toBe(400);
    expect((await product.call('acme', 'GET', `/v1/processes?partnerId=${product.people.globex.partnerId}`)).status).toBe(403);
  });

  it('serves /healthz and an OpenAPI document generated from the schemas', async () => {
    expect((await fetch(`${product.url}/healthz`)).status).toBe(200);
    const spec: any = await (await fetch(`${product.url}/openapi.json`)).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/processes', '/v1/processes/{id}', '/v1/processes/{id}/actions', '/v1/kinds/{kind}', '/v1/partners/{id}']));
    expect(spec.paths['/v1/processes'].post.requestBody.content['application/json'].schema.properties.kind.type).toBe('string');
  });
});
