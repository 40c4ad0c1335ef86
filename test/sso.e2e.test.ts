import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../scripts/devServer';
import { eventually, footprint } from './support/flows';
import { startOidcProvider, type OidcProvider, type StaffAccount } from './support/oidcProvider';
import { licence } from './support/fixtures';
import { startProduct, type Product } from './support/product';

/**
 * Single sign-on for staff against a real OpenID provider (oidc-provider) started here: the API takes
 * the provider's access tokens beside API keys, verified with jose against the provider's keys, and
 * refuses a token of another issuer, an expired one or one for another audience with a reason.
 */

const audience = 'https://partnerflow.test/api';
let product: Product;
let provider: OidcProvider;
let stranger: OidcProvider;
const accounts = new Map<string, StaffAccount>();

beforeAll(async () => {
  const port = await freePort();
  product = await startProduct({ env: { OIDC_ISSUER: `http://127.0.0.1:${port}`, OIDC_CLIENT_ID: 'partnerflow-console', OIDC_AUDIENCE: audience } });
  accounts.set('li', { id: 'li.reviewer', roles: ['reviewer'], name: 'Li Na', email: 'li.na@example.test' });
  accounts.set('ops', { id: 'ops', roles: ['employee', 'ops'] });
  // chen holds a partner key for initech too: the same person, so four-eyes must know them (R72).
  accounts.set('chen', { id: product.people.chenReviewer.id, roles: ['reviewer'] });
  accounts.set('sam', { id: 'sam.sales', roles: ['employee'] });
  const clients = [
    { clientId: 'partnerflow-console', redirectUris: [`${product.url}/`] },
    { clientId: 'short-lived', redirectUris: [`${product.url}/`], tokenTtl: 1 },
  ];
  provider = await startOidcProvider({ port, accounts, clients, resources: [audience, 'https://elsewhere.test/api'] });
  stranger = await startOidcProvider({ accounts, clients, resources: [audience] });
});
afterAll(async () => {
  await product?.stop();
  await provider?.close();
  await stranger?.close();
});

/** A request with a bearer token rather than one of the test people's keys. */
async function as(token: string, method: string, route: string, body?: unknown) {
  const response = await fetch(product.url + route, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('single sign-on for staff', () => {
  it('R72: a reviewer signed in at the provider decides as the same person their keys name, so four-eyes holds', async () => {
    const li = await provider.accessToken('li');
    expect(await as(li, 'GET', '/v1/me')).toEqual({ status: 200, body: { id: 'li.reviewer', role: 'reviewer', name: 'Li Na', email: 'li.na@example.test' } });
    // A role among others in the claim; the claim's other values are not partnerflow's.
    expect((await as(await provider.accessToken('ops'), 'GET', '/v1/me')).body).toEqual({ id: 'ops', role: 'ops' });

    // chen submits as initech's partner (with a key), then signs in as a reviewer: the same id, so not their own review.
    const started = await product.start('chenPartner', 'business-certification');
    await product.act('chenPartner', started.body.id, { type: 'SUBMIT', ...licence });
    const chen = await provider.accessToken('chen');
    const before = await footprint(product, started.body.id);
    const own = await as(chen, 'POST', `/v1/processes/${encodeURIComponent(started.body.id)}/actions`, { type: 'APPROVE' });
    expect(own.status).toBe(403);
    expect(own.body.error.code).toBe('four_eyes');
    expect(await footprint(product, started.body.id)).toEqual(before);

    const approved = await as(li, 'POST', `/v1/processes/${encodeURIComponent(started.body.id)}/actions`, { type: 'APPROVE', comment: 'Verified' });
    expect(approved.status).toBe(200);
    expect(approved.body.records.at(-1)).toMatchObject({ event: 'APPROVE', actor: 'li.reviewer', role: 'reviewer' });
  });

  it('R73: a token of another issuer, for another audience, expired, without an expiry, forged or without a staff role is refused with a reason, and changes nothing', async () => {
    const started = await product.start('acme', 'business-certification');
    const id = started.body.id as string;
    await product.act('acme', id, { type: 'SUBMIT', ...licence });
    const before = await footprint(product, id);
    const approve = (token: string) => as(token, 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, { type: 'APPROVE' });

    const foreign = await approve(await stranger.accessToken('li'));
    expect(foreign.status).toBe(401);
    expect(foreign.body.error.code).toBe('token_wrong_issuer');
    expect(foreign.body.error.reason).toContain(stranger.issuer);

    const elsewhere = await approve(await provider.accessToken('li', { resource: 'https://elsewhere.test/api' }));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body.error).toMatchObject({ code: 'token_wrong_audience' });
    expect(elsewhere.body.error.reason).toContain('https://elsewhere.test/api');

    const real = await provider.accessToken('li');
    const [head, payload] = real.split('.');
    const forged = await approve(`${head}.${payload}.${Buffer.from('not the provider').toString('base64url')}`);
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('invalid_token');

    // Signed with the provider's own key, for this API, but with no expiry: refused, however well signed.
    const claims = { iss: provider.issuer, aud: audience, sub: 'li.reviewer', roles: ['reviewer'], iat: Math.floor(Date.now() / 1000) };
    const forever = await approve(await provider.signToken(claims));
    expect(forever.status).toBe(401);
    expect(forever.body.error).toMatchObject({ code: 'invalid_token', reason: expect.stringContaining('no expiry') });
    // The same token with an expiry is taken: the missing `exp` alone was refused.
    expect((await as(await provider.signToken({ ...claims, exp: claims.iat + 300 }), 'GET', '/v1/me')).body).toMatchObject({ id: 'li.reviewer', role: 'reviewer' });

    const noRole = await approve(await provider.accessToken('sam'));
    expect(noRole.status).toBe(403);
    expect(noRole.body.error.code).toBe('no_staff_role');

    // A token that lives one second: refused once it has expired, saying so.
    const brief = await provider.accessToken('li', { clientId: 'short-lived' });
    await eventually(() => as(brief, 'GET', '/v1/me'), (r) => r.status === 401);
    const expired = await approve(brief);
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('token_expired');
    expect(expired.body.error.reason).toMatch(/GMT\+08:00/);

    expect(await footprint(product, id)).toEqual(before);
    expect((await approve(real)).status).toBe(200);
  });

  it('keys keep working beside tokens; a JWT from nobody the API knows is refused with its issuer named', async () => {
    expect((await product.call('acme', 'GET', '/v1/me')).body).toMatchObject({ role: 'partner' });
    const unknown = await as('eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.c2ln', 'GET', '/v1/me');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('token_wrong_issuer');
  });
});
