import Ajv from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certifyBusiness } from './support/flows';
import { materials } from './support/fixtures';
import { startProduct, type Person, type Product } from './support/product';

/** /openapi.json as the contract: every operation says what it answers, and what the API really answers matches it. */

type Operation = { responses?: Record<string, { description?: string; content?: Record<string, { schema?: object }> }> };
type Spec = { openapi: string; paths: Record<string, Record<string, Operation>> };

let product: Product;
let spec: Spec;
let id: string;
beforeAll(async () => {
  product = await startProduct();
  spec = (await product.call(null, 'GET', '/openapi.json')).body;
  await certifyBusiness(product, 'acme');
  id = (await product.start('acme', 'nre-milestones', {}, { businessKey: 'openapi' })).body.id;
  await product.act('acme', id, { type: 'APPLY', milestone: 1, materials });
});
afterAll(() => product?.stop());

const methods = ['get', 'put', 'post', 'patch', 'delete'];
const operations = () =>
  Object.entries(spec.paths).flatMap(([path, item]) => Object.entries(item).filter(([method]) => methods.includes(method)).map(([method, op]) => ({ path, method, op })));

describe('OpenAPI: what each operation answers', () => {
  it('documents a 2xx schema and the one error shape { error: { code, reason } } for 4xx and 5xx on every /v1 operation', () => {
    const v1 = operations().filter((o) => o.path.startsWith('/v1/'));
    // Every route file's routes are there (none hidden by mistake).
    expect(v1.length).toBeGreaterThanOrEqual(51);
    const errorSchema = v1[0].op.responses?.['4XX']?.content?.['application/json']?.schema as any;
    expect(errorSchema?.properties?.error?.properties).toMatchObject({ code: { type: 'string' }, reason: { type: 'string' } });
    expect(errorSchema.required).toEqual(['error']);
    const lacking: string[] = [];
    for (const { path, method, op } of v1) {
      const where = `${method.toUpperCase()} ${path}`;
      const responses = op.responses ?? {};
      const successes = Object.entries(responses).filter(([status]) => status.startsWith('2'));
      if (successes.length === 0) lacking.push(`${where}: no 2xx answer`);
      for (const [status, answer] of successes) {
        // 204 answers nothing; every other success names its body's schema under some media type.
        const schema = Object.values(answer.content ?? {})[0]?.schema;
        if (status !== '204' && !schema) lacking.push(`${where}: ${status} has no schema`);
        if (status !== '204' && JSON.stringify(schema) === '{}') lacking.push(`${where}: ${status} answers anything`);
      }
      for (const range of ['4XX', '5XX']) {
        const schema = responses[range]?.content?.['application/json']?.schema;
        if (!schema) lacking.push(`${where}: no ${range} error schema`);
        else if (JSON.stringify(schema) !== JSON.stringify(errorSchema)) lacking.push(`${where}: ${range} is not the one error shape`);
      }
    }
    expect(lacking).toEqual([]);
  });

  it('documents answers that are not JSON under their own media type (the invoice list, the event stream)', () => {
    expect(spec.paths['/v1/processes/{id}/invoice-list'].get.responses?.['200'].content).toHaveProperty('text/html');
    expect(spec.paths['/v1/processes/{id}/events'].get.responses?.['200'].content).toHaveProperty('text/event-stream');
  });

  it('R73 real answers, successes and refusals, validate against the schema documented for their status', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const check = async (who: Person | null, method: string, route: string, path: string, body?: unknown, status?: number) => {
      const reply = await product.call(who, method, route, body);
      if (status !== undefined) expect(reply.status, `${method} ${route}: ${JSON.stringify(reply.body)}`).toBe(status);
      const responses = spec.paths[path][method.toLowerCase()].responses!;
      const documented = responses[String(reply.status)] ?? responses[`${String(reply.status)[0]}XX`];
      expect(documented, `${method} ${path} documents ${reply.status}`).toBeDefined();
      const validate = ajv.compile(documented.content!['application/json'].schema!);
      expect(validate(reply.body) ? [] : validate.errors, `${method} ${route} → ${reply.status}`).toEqual([]);
      return reply;
    };
    const process = `/v1/processes/${encodeURIComponent(id)}`;
    await check('acme', 'GET', process, '/v1/processes/{id}', undefined, 200);
    await check('acme', 'GET', '/v1/processes?limit=5', '/v1/processes', undefined, 200);
    await check('acme', 'POST', '/v1/processes', '/v1/processes', { kind: 'nre-milestones', businessKey: 'openapi-2' }, 201);
    await check('acme', 'GET', '/v1/me', '/v1/me', undefined, 200);
    await check('acme', 'GET', '/v1/kinds', '/v1/kinds', undefined, 200);
    await check('acme', 'GET', '/v1/kinds/nre-milestones', '/v1/kinds/{kind}', undefined, 200);
    await check('acme', 'GET', `/v1/partners/${product.people.acme.partnerId}`, '/v1/partners/{id}', undefined, 200);
    await check('li', 'GET', '/v1/tasks', '/v1/tasks', undefined, 200);
    await check('ops', 'GET', '/v1/keys', '/v1/keys', undefined, 200);
    // Refusals: unknown key, someone else's process, a bad payload, a state that does not take the event.
    await check(null, 'GET', process, '/v1/processes/{id}', undefined, 401);
    await check('globex', 'GET', process, '/v1/processes/{id}', undefined, 404);
    await check('acme', 'POST', `${process}/actions`, '/v1/processes/{id}/actions', { type: 'APPLY', milestone: 9, materials }, 422);
    await check('acme', 'POST', `${process}/actions`, '/v1/processes/{id}/actions', { type: 'APPLY', milestone: 1, materials }, 409);
    await check('li', 'POST', `${process}/actions`, '/v1/processes/{id}/actions', { type: 'APPROVE' }, 200);
  });
});
