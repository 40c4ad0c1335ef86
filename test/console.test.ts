import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleRoutes } from '../api/console';
import type { OidcSettings } from '../api/oidc';
import { api, onSignInLost, PartnerflowError, rememberKey, signedInKey } from '../console/src/api';
import { diagramText, leafPaths, stateLabel, type KindDescription } from '../console/src/model';
import { describeKind } from '../machines/describe';
import { kindOf, registry } from '../machines/registry';

/** The console's readings of a kind's description, on the real descriptions `GET /v1/kinds/:kind` serves. */

const described = (name: string) => describeKind(kindOf(name)!) as unknown as KindDescription;

describe('the console model', () => {
  it('reads the leaf states a view names, parallel regions included', () => {
    expect(leafPaths('underReview')).toEqual(['underReview']);
    expect(leafPaths('open.(initiation.underReview | jointDesign.notApplied)')).toEqual(['open.initiation.underReview', 'open.jointDesign.notApplied']);
    expect(leafPaths('a.(b.(c.d | e) | f.g)')).toEqual(['a.b.c.d', 'a.b.e', 'a.f.g']);
  });

  it('R24: names every state a process of each region is in, in the reader language', () => {
    const kind = described('initiation-review');
    const state = 'open.(initiation.underReview | jointDesign.notApplied)';
    expect(stateLabel(kind, state, 'zh-CN')).toMatch(/^立项审核中；/);
    expect(stateLabel(kind, state, 'en')).toMatch(/^Initiation under review; /);
  });

  it('marks the current states on the diagram with a class and writes states and moves in one language', () => {
    const kind = described('initiation-review');
    const text = diagramText(kind, 'open.(initiation.notPassed | jointDesign.underReview)', 'zh-CN');
    expect(text).toContain('class open_initiation_notPassed,open_jointDesign_underReview current');
    expect(text).toMatch(/classDef current /);
    expect(text).toContain('open_initiation_underReview : 立项审核中');
    expect(text).not.toContain('Initiation under review');
    expect(text).toMatch(/open_initiation_underReview --> open_initiation_notPassed : 驳回/);
    // An unknown state (a kind changed since) marks nothing rather than drawing a stray node.
    expect(diagramText(described('business-certification'), 'gone', 'en')).not.toContain('class ');
  });

  it("keeps each label on one Mermaid statement: a label's ';' would end it and draw its words as stray states", () => {
    for (const kind of Object.values(registry)) {
      const description = describeKind(kind) as unknown as KindDescription;
      const texts = [description.mermaid, diagramText(description, '', 'en'), diagramText(description, '', 'zh-CN')];
      for (const text of texts) expect(text.split('\n').filter((line) => line.replace(/#59;/g, '').includes(';')), kind.name).toEqual([]);
    }
    expect(described('initiation-review').mermaid).toContain('complete : Initiation complete#59; joint design & verification passed');
  });
});

describe('how the console signs in', () => {
  it('offers single sign-on only when a provider is configured, naming nothing secret; otherwise keys, as before', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-console-config-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    const config = async (oidc?: OidcSettings) => {
      const app = Fastify();
      await app.register(consoleRoutes(dir, { oidc }));
      const reply = await app.inject({ method: 'GET', url: '/console/config.json' });
      await app.close();
      return reply.json();
    };
    try {
      expect(await config()).toEqual({ oidc: null });
      const settings = { issuer: 'https://id.example', clientId: 'console', audience: 'https://partnerflow.example/api', roleClaim: 'groups', idClaim: 'sub', scope: 'openid email', roleMap: { staff: 'reviewer' as const } };
      expect(await config(settings)).toEqual({ oidc: { issuer: 'https://id.example', clientId: 'console', scope: 'openid email', resource: 'https://partnerflow.example/api' } });
      // An audience that is not a URL (a client id, as some providers use) is not sent as a resource.
      expect((await config({ ...settings, audience: 'api://partnerflow' })).oidc.resource).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the console page with single sign-on', () => {
  it("allows the page to reach the provider's token endpoint, also on another origin than the issuer, as its metadata names it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-console-csp-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    const provider = Fastify();
    provider.get('/.well-known/openid-configuration', async () => ({
      issuer: 'http://127.0.0.1',
      authorization_endpoint: 'http://127.0.0.1/auth',
      token_endpoint: 'https://tokens.example:8443/oauth2/token',
      jwks_uri: 'https://keys.example/jwks',
    }));
    const issuer = await provider.listen({ port: 0, host: '127.0.0.1' });
    const app = Fastify();
    const settings = { issuer, clientId: 'console', audience: 'https://partnerflow.example/api', roleClaim: 'roles', idClaim: 'sub', scope: 'openid', roleMap: {} };
    await app.register(consoleRoutes(dir, { oidc: settings }));
    try {
      const csp = (await app.inject({ method: 'GET', url: '/' })).headers['content-security-policy'] as string;
      const connect = csp.split(';').find((d) => d.trim().startsWith('connect-src'))!.trim();
      expect(connect).toBe(`connect-src 'self' ${new URL(issuer).origin} https://tokens.example:8443`);
    } finally {
      await app.close();
      await provider.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a sign-in that ends mid-session', () => {
  afterEach(() => vi.unstubAllGlobals());

  /** The browser's sessionStorage, and an API that answers every request with `status` and `code`. */
  const browser = (status: number, code: string) => {
    const stored = new Map<string, string>();
    vi.stubGlobal('sessionStorage', { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => stored.set(k, v), removeItem: (k: string) => stored.delete(k) });
    const sent: (string | undefined)[] = [];
    vi.stubGlobal('fetch', async (_path: string, init: RequestInit) => {
      sent.push((init.headers as Record<string, string>).authorization);
      return new Response(JSON.stringify({ error: { code, reason: `refused: ${code}` } }), { status });
    });
    return sent;
  };

  it.each(['token_expired', 'invalid_token', 'key_expired'])('a 401 %s on a request made with the signed-in token forgets it and asks to sign in again, with the reason', async (code) => {
    const sent = browser(401, code);
    rememberKey('eyJ.token.sig');
    const lost: PartnerflowError[] = [];
    onSignInLost((error) => lost.push(error));
    await expect(api('GET', '/v1/tasks')).rejects.toMatchObject({ status: 401, code });
    expect(sent).toEqual(['Bearer eyJ.token.sig']);
    expect(signedInKey()).toBeNull();
    expect(lost.map((e) => [e.code, e.reason])).toEqual([[code, `refused: ${code}`]]);
  });

  it('any other refusal keeps the sign-in; a key tried on the sign-in page that fails is not the stored one and forgets nothing', async () => {
    browser(403, 'four_eyes');
    rememberKey('eyJ.token.sig');
    const lost: PartnerflowError[] = [];
    onSignInLost((error) => lost.push(error));
    await expect(api('POST', '/v1/processes/x/actions', { type: 'APPROVE' })).rejects.toMatchObject({ status: 403 });
    expect(signedInKey()).toBe('eyJ.token.sig');
    browser(401, 'invalid_key');
    rememberKey('eyJ.token.sig');
    await expect(api('GET', '/v1/me', undefined, { key: 'mistyped' })).rejects.toMatchObject({ status: 401 });
    expect(signedInKey()).toBe('eyJ.token.sig');
    expect(lost).toEqual([]);
  });
});
