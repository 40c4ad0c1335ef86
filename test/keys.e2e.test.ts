import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerflowClient, PartnerflowError } from '../sdk';
import { eventually } from './support/flows';
import { startProduct, type Person, type Product } from './support/product';

/**
 * Managed API keys: kept as digests in the records store, made and revoked over `/v1/keys` (and the CLI),
 * with an audit list. A partner manages only its own people's and apps' keys; a revoked or expired key
 * is refused at its next request with a reason that says so.
 */

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

const as = (who: Person) => product.as(who);
const withKey = (key: string) => new PartnerflowClient({ baseUrl: product.url, apiKey: key });

async function refusal(promise: Promise<unknown>): Promise<PartnerflowError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PartnerflowError);
  return err as PartnerflowError;
}

describe('managed API keys', () => {
  it('R72: a partner app gets a key, rotates it without a failed request, and a revoked key fails at once with a reason', async () => {
    const acme = product.people.acme.partnerId;
    const app = `orders-app@${acme}`;
    const first = await as('acme').createKey({ id: app, role: 'partner', name: 'Orders app' });
    expect(first).toMatchObject({ id: app, role: 'partner', partnerId: acme, status: 'active', createdBy: product.people.acme.id, revokedAt: null });
    expect(first.key).toMatch(/^pfk_[0-9a-f]{16}_/);
    expect(first.prefix).toBe(`pfk_${first.keyId}_…`);
    // The records store holds a digest, never the key.
    const stored = await product.store.staff.getKey(first.keyId);
    expect(JSON.stringify(stored)).not.toContain(first.key.split('_')[2]);

    // The app works with it: it starts a process of its partner, as that partner.
    const orders = withKey(first.key);
    const { process } = await orders.start({ kind: 'initiation-review', input: { solution: 'Keyed' }, businessKey: 'keyed' });
    expect(process.partnerId).toBe(acme);
    expect(process.records?.[0]).toMatchObject({ actor: app, role: 'partner' });

    // Rotation: a second key, the app switches, the first is revoked; every request in between succeeds.
    const second = await as('acme').createKey({ id: app, role: 'partner', name: 'Orders app (rotated)' });
    const results: number[] = [];
    for (const key of [first.key, second.key, second.key]) results.push((await fetch(`${product.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status);
    await as('acme').revokeKey(first.keyId);
    results.push((await fetch(`${product.url}/v1/me`, { headers: { authorization: `Bearer ${second.key}` } })).status);
    expect(results).toEqual([200, 200, 200, 200]);

    const revoked = await refusal(orders.view(process.id));
    expect(revoked).toMatchObject({ status: 401, code: 'key_revoked' });
    expect(revoked.reason).toContain('revoked');
    expect(revoked.reason).toContain(product.people.acme.id);
    expect((await withKey(second.key).view(process.id)).id).toBe(process.id);

    // The list shows no secrets; the audit list has every event, newest first.
    const listed = (await as('acme').keys()).items;
    expect(listed.map((k) => [k.keyId, k.status])).toEqual([
      [second.keyId, 'active'],
      [first.keyId, 'revoked'],
    ]);
    expect(JSON.stringify(listed)).not.toContain(first.key);
    expect(listed[0].lastUsedAt).not.toBeNull();
    const events = (await as('acme').keyEvents()).items;
    expect(events.map((e) => [e.event, e.keyId, e.actorId])).toEqual([
      ['revoked', first.keyId, product.people.acme.id],
      ['created', second.keyId, product.people.acme.id],
      ['created', first.keyId, product.people.acme.id],
    ]);
    expect(events[0].atLocal).toMatch(/\+08:00$/);
  });

  it('R72: a partner never manages another partner’s keys nor grants a staff role; ops manage every key; others none', async () => {
    const acme = product.people.acme.partnerId;
    const globex = product.people.globex.partnerId;
    const mine = await as('acme').createKey({ id: `reports@${acme}`, role: 'manager' });
    expect(mine.role).toBe('manager');

    const grant = await refusal(as('acme').createKey({ id: `sneaky@${acme}`, role: 'reviewer' }));
    expect(grant).toMatchObject({ status: 403, code: 'role_not_grantable' });
    expect((await refusal(as('acme').createKey({ id: `x@${acme}`, role: 'partner', partnerId: globex }))).code).toBe('not_your_partner');
    expect((await refusal(as('acme').createKey({ id: 'li.reviewer', role: 'partner' }))).code).toBe('identity_outside_partner');
    expect((await refusal(as('acme').createKey({ id: `old@${acme}`, role: 'partner', expiresAt: '2020-01-01T00:00:00Z' }))).code).toBe('expires_in_past');

    // globex sees none of acme's keys or events, and cannot revoke them: 404, as if they did not exist.
    expect((await as('globex').keys()).items.filter((k) => k.partnerId === acme)).toEqual([]);
    expect((await as('globex').keyEvents()).items.filter((e) => e.partnerId === acme)).toEqual([]);
    expect((await refusal(as('globex').revokeKey(mine.keyId))).status).toBe(404);
    expect((await refusal(as('globex').keys({ partnerId: acme }))).status).toBe(403);
    expect((await product.store.staff.getKey(mine.keyId))!.revokedAt).toBeNull();
    for (const who of ['li', 'zhao', 'mei'] as const) expect((await refusal(as(who).keys())).code).toBe('role_not_allowed');

    // A customer's key names its partner, but it is the customer's own: the partner neither sees nor revokes it.
    const customerKey = await as('ops').createKey({ id: `buyer-${acme}`, role: 'customer', partnerId: acme, customerId: `buyer-${acme}` });
    expect((await as('acme').keys()).items.map((k) => k.keyId)).not.toContain(customerKey.keyId);
    expect((await as('acme').keyEvents()).items.map((e) => e.keyId)).not.toContain(customerKey.keyId);
    expect(await refusal(as('acme').key(customerKey.keyId))).toMatchObject({ status: 404, code: 'not_found' });
    expect(await refusal(as('acme').revokeKey(customerKey.keyId))).toMatchObject({ status: 404, code: 'not_found' });
    expect((await withKey(customerKey.key).me()).role).toBe('customer');
    expect((await as('ops').keys({ partnerId: acme })).items.map((k) => k.keyId)).toContain(customerKey.keyId);

    // Ops make a reviewer's key and revoke a partner's.
    const reviewer = await as('ops').createKey({ id: 'new.reviewer', role: 'reviewer', name: 'New Reviewer', email: 'new.reviewer@vendor.example' });
    expect((await withKey(reviewer.key).tasks()).items).toBeDefined();
    expect((await refusal(as('ops').createKey({ id: 'p@x', role: 'partner' }))).code).toBe('partner_required');
    expect((await as('ops').revokeKey(mine.keyId)).status).toBe('revoked');
    // Revoking again changes nothing and adds no event.
    expect((await as('ops').revokeKey(mine.keyId)).revokedBy).toBe('ops');
    expect((await as('ops').keyEvents({ keyId: mine.keyId })).items.map((e) => e.event)).toEqual(['revoked', 'created']);
  });

  it('R73: an expired key is refused with a reason that says so; a malformed or unknown key is not known', async () => {
    const acme = product.people.acme.partnerId;
    const brief = await as('acme').createKey({ id: `brief@${acme}`, role: 'partner', expiresAt: new Date(Date.now() + 1500).toISOString() });
    const refused = await eventually(
      () => fetch(`${product.url}/v1/me`, { headers: { authorization: `Bearer ${brief.key}` } }).then(async (r) => ({ status: r.status, body: (await r.json()) as any })),
      (r) => r.status === 401,
    );
    expect(refused.body.error.code).toBe('key_expired');
    expect(refused.body.error.reason).toMatch(/expired at .*GMT\+08:00/);
    expect((await as('acme').keys()).items.find((k) => k.keyId === brief.keyId)!.status).toBe('expired');
    // The audit list has the expiry, at its time, made by nobody but the clock.
    const audit = (await as('acme').keyEvents({ keyId: brief.keyId })).items;
    expect(audit.map((e) => e.event)).toEqual(['expired', 'created']);
    expect(audit[0]).toMatchObject({ at: brief.expiresAt, actorId: 'system', actorRole: 'system', identityId: `brief@${acme}` });
    // A key revoked before it would have expired never expires in the list.
    const revokedFirst = await as('acme').createKey({ id: `brief@${acme}`, role: 'partner', expiresAt: new Date(Date.now() + 1000).toISOString() });
    await as('acme').revokeKey(revokedFirst.keyId);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await as('acme').keyEvents({ keyId: revokedFirst.keyId })).items.map((e) => e.event)).toEqual(['revoked', 'created']);

    const forged = `pfk_${brief.keyId}_${'A'.repeat(43)}`;
    expect((await refusal(withKey(forged).tasks())).code).toBe('invalid_key');
    expect((await refusal(withKey(`pfk_0000000000000000_${'A'.repeat(43)}`).tasks())).code).toBe('invalid_key');
  });

  it('the CLI makes, lists and revokes keys, and reads the audit list', async () => {
    const bin = path.join(__dirname, '../cli/partnerflow.mjs');
    const cli = async (key: string, ...args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, PARTNERFLOW_URL: product.url, PARTNERFLOW_KEY: key } });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    const ops = product.people.ops.key;
    const made = await cli(ops, 'keys', 'create', 'cli-app@globex', '--role', 'partner', '--partner', product.people.globex.partnerId);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('shown this once');
    const key = { key: made.stdout.trim().split('\n').at(-1)!, keyId: made.stdout.match(/pfk_([0-9a-f]{16})_/)![1] };
    expect(key.key).toMatch(/^pfk_/);

    const listed = await cli(ops, 'keys', 'list', '--partner', product.people.globex.partnerId);
    expect(listed.stdout).toContain(key.keyId);
    expect(listed.stdout).not.toContain(key.key);
    expect((await cli(ops, 'keys', 'revoke', key.keyId)).stdout).toContain('revoked');
    const afterwards = await cli(key.key, 'keys');
    expect(afterwards.code).toBe(1);
    expect(afterwards.stderr).toContain('key_revoked');
    expect((await cli(ops, 'keys', 'events', key.keyId)).stdout).toMatch(/revoked[\s\S]*created/);
    expect((await cli(ops, 'keys', 'create', 'x')).code).toBe(2);
  });
});
