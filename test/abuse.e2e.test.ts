import { createHash } from 'node:crypto';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotOf } from '../api/views';
import { registry } from '../machines/registry';
import { writeFigures } from './support/figures';
import { certifyBusiness } from './support/flows';
import { contentType, hostileBody, hostileValue, nasty, queryString, routes } from './support/hostile';
import { payloadsFor, startInputs, validPayloads } from './support/paths';
import { startProduct, type Person, type Product } from './support/product';

/**
 * Abuse over real HTTP: random and hostile requests on every route — wrong types, huge strings,
 * unicode, `__proto__` keys, deep nesting, wrong content types, random query strings — never get a
 * 5xx, and a refusal changes nothing anywhere in the records store (R73). Random action sequences
 * over the API keep the machines' invariants: milestones in order, an ended process stays ended.
 */

let product: Product;
const ids: Record<string, string> = {};
beforeAll(async () => {
  product = await startProduct();
  await certifyBusiness(product, 'acme');
  ids.milestones = (await product.start('acme', 'nre-milestones', {}, { businessKey: 'abuse' })).body.id;
  ids.onboarding = (await product.start('acme', 'partner-onboarding', { companyName: 'Acme' })).body.id;
  ids.disassociation = (await product.start('qian', 'disassociation', { associationType: 'resale' })).body.id;
  ids.customer = (await product.start('acme', 'customer-creation', { customerId: 'abuse-cust', name: 'Abuse Co.', phone: '+86 138 0000 0000' }, { businessKey: 'abuse' })).body.id;
  for (const id of Object.values(ids)) expect(id).toBeTruthy();
});
afterAll(() => product?.stop());

/** Every table of the records store, hashed: what a refusal must leave exactly as it was. */
function storeFootprint(): string {
  const db = new SQLite(path.join(product.dataDir, 'records.sqlite'), { readonly: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name").all() as Array<{ name: string }>;
    const hash = createHash('sha256');
    for (const { name } of tables) {
      // Delivery status moves on after earlier accepted steps by itself; what a refusal could add is a message.
      const rows = name === 'outbox' ? db.prepare('select key from outbox order by key').all() : db.prepare(`select * from "${name}" order by rowid`).all();
      hash.update(`${name}:${JSON.stringify(rows)}\n`);
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

/** Waits until the store stops changing (effects of an accepted request run after its answer). */
async function settled(): Promise<string> {
  let last = storeFootprint();
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = storeFootprint();
    if (now === last) return now;
    last = now;
  }
  return last;
}

const who = fc.constantFrom<Person | 'bogus' | null>('acme', 'globex', 'li', 'chenReviewer', 'qian', 'wu', 'mei', 'ops', 'system', 'zhao', 'bogus', null);

const figures = { cases: 0, requests: 0, serverErrors: 0, refusals: 0, accepted: 0, refusalsThatChangedState: 0, sequenceRuns: 0, sequenceRequests: 0, statuses: {} as Record<string, number> };
afterAll(() => writeFigures('abuse', figures));

function count(status: number) {
  figures.requests++;
  figures.statuses[status] = (figures.statuses[status] ?? 0) + 1;
  if (status >= 500) figures.serverErrors++;
}

describe('R73 abuse over HTTP', () => {
  it('R73 R72 hostile requests on every route: never a 5xx, always a readable refusal, and a refusal changes nothing', async () => {
    let baseline = await settled();
    await fc.assert(
      fc.asyncProperty(
        // The routes that start and move processes get most of the cases; every route gets some.
        fc.oneof({ weight: 3, arbitrary: fc.constantFrom(routes[0], routes[3]) }, { weight: 4, arbitrary: fc.constantFrom(...routes) }),
        fc.record({ id: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...Object.keys(ids)) }, { weight: 1, arbitrary: nasty }), partner: fc.oneof(fc.constantFrom('acme', 'globex'), nasty), customer: fc.oneof(fc.constantFrom('cust-qian', 'abuse-cust'), nasty), reviewer: fc.oneof(fc.constantFrom('li.reviewer', 'wang.reviewer'), nasty), kind: fc.oneof(fc.constantFrom(...Object.keys(registry)), nasty) }),
        who,
        hostileBody,
        contentType,
        queryString,
        async ({ method, route }, params, person, body, type, query) => {
          figures.cases++;
          const path = route
            .replace(':id', encodeURIComponent(ids[params.id] ?? params.id))
            .replace(':partner', encodeURIComponent(params.partner === 'acme' || params.partner === 'globex' ? product.people[params.partner].partnerId! : params.partner))
            .replace(':customer', encodeURIComponent(params.customer))
            .replace(':kind', encodeURIComponent(params.kind))
            .replace(':reviewer', encodeURIComponent(params.reviewer))
            .replace(':token', encodeURIComponent(params.id))
            .replace(':task', encodeURIComponent(params.id));
          const key = person === null ? undefined : person === 'bogus' ? 'not-a-key-of-anyone-at-all' : product.people[person].key;
          const hasBody = method !== 'GET' && body !== undefined;
          const response = await fetch(product.url + path + query, {
            method,
            headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(hasBody && type ? { 'content-type': type } : {}) },
            body: hasBody ? body : undefined,
          });
          const text = await response.text();
          count(response.status);
          expect(response.status, `${method} ${path}${query.slice(0, 200)} ${String(body).slice(0, 200)} → ${text.slice(0, 300)}`).toBeLessThan(500);
          if (response.status >= 400) {
            figures.refusals++;
            const json = JSON.parse(text);
            expect(json.error.code).toMatch(/^[a-z_]+$/);
            expect(json.error.reason.length).toBeGreaterThan(10);
            const after = storeFootprint();
            if (after !== baseline) figures.refusalsThatChangedState++;
            expect(after, `R73 ${method} ${path} refused ${response.status} yet changed the store`).toBe(baseline);
          } else if (method !== 'GET') {
            figures.accepted++;
            baseline = await settled();
          }
        },
      ),
      { numRuns: 400, seed: 5_2026_1126 },
    );
  }, 300_000);

  const sequenceKinds = ['nre-milestones', 'partner-onboarding', 'initiation-review', 'disassociation'] as const;
  it.each(sequenceKinds)('R11 R73 random action sequences on %s over HTTP keep the invariants: milestones in order, an ended process stays ended, refusals change nothing', async (name) => {
    const kind = registry[name];
    const senders: Person[] = ['acme', 'globex', 'li', 'wang', 'qian', 'wu', 'ops', 'system', 'mei'];
    const action = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...Object.keys(validPayloads[name])).map((variant) => ({ variant })) },
      { weight: 1, arbitrary: fc.record({ type: fc.constantFrom(...Object.keys(kind.events)), junk: hostileValue }).map((raw) => ({ raw })) },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...senders), action), { minLength: 4, maxLength: 10 }), async (steps) => {
        figures.sequenceRuns++;
        // Onboarding exists once per partner: each run walks it as a partner of its own, sending as acme's person would.
        const fresh = name === 'partner-onboarding' ? { key: `abuse-seq-${run}-${product.people.acme.key}`, id: `seq-${run}@acme`, role: 'partner' as const, partnerId: `seq-${run}-${product.people.acme.partnerId}` } : undefined;
        if (fresh) product.keys.set(fresh.key, fresh);
        const act = (sender: Person, id: string, body: unknown) =>
          sender === 'acme' && fresh ? product.call(null, 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, body, { authorization: `Bearer ${fresh.key}` }) : product.act(sender, id, body as Record<string, unknown>);
        const started = fresh
          ? await product.call(null, 'POST', '/v1/processes', { kind: name, input: { companyName: 'Acme' } }, { authorization: `Bearer ${fresh.key}` })
          : await product.start(name === 'disassociation' ? 'qian' : 'acme', name, name === 'disassociation' ? { associationType: 'resale' } : startInputs('cust-qian')[name], { businessKey: `seq-${run}` });
        run++;
        expect(started.status, JSON.stringify(started.body)).toBeLessThan(300);
        const id = started.body.id as string;
        let row = (await product.store.getProcess(id))!;
        for (const [sender, step] of steps) {
          const before = await settledRow(id);
          const payload = 'variant' in step ? payloadsFor(kind, snapshotOf(before)!, step.variant)[0] : step.raw;
          const reply = await act(sender, id, payload);
          figures.sequenceRequests++;
          count(reply.status);
          expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(500);
          row = await settledRow(id);
          if (reply.status !== 200) expect({ version: row.version, state: row.state }, `R73 ${sender} ${JSON.stringify(payload)}`).toEqual({ version: before.version, state: before.state });
          if (before.done) {
            expect(row.done).toBe(true);
            expect(reply.status).not.toBe(200);
          }
          if (name === 'nre-milestones') {
            const was = (before.context as { accepted: number }).accepted;
            const now = (row.context as { accepted: number }).accepted;
            expect(now - was === 0 || now - was === 1, `R11 accepted ${was} → ${now}`).toBe(true);
          }
        }
      }),
      { numRuns: name === 'nre-milestones' ? 12 : 6, seed: 20261126 },
    );
  }, 300_000);
});

/** The row once the step's effects are recorded (the API answers after the Update, the view follows). */
async function settledRow(id: string) {
  return (await product.store.getProcess(id))!;
}
