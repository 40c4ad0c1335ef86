import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagramText, type KindDescription } from '../console/src/model';
import fs from 'node:fs';
import { freePort } from '../scripts/devServer';
import { cspViolations, launchBrowser, screenshot, signedIn, ssoSignedIn } from './support/browser';
import { startOidcProvider, type OidcProvider, type StaffAccount } from './support/oidcProvider';
import { licence } from './support/fixtures';
import { startProduct, type Product } from './support/product';
import { seedReviewMonth } from './support/reviewHistory';

/**
 * The console end to end in headless Chromium, against the whole product (worker, store, API, and the
 * console served by the same server): a partner submits its business information, a reviewer rejects it
 * with a comment, the partner reads the comment and resubmits, and the reviewer approves. Every step
 * waits on what the page shows, never on a clock.
 */

let product: Product;
let browser: Browser;
let provider: OidcProvider;
beforeAll(async () => {
  // Staff sign in at the organisation's OpenID provider (started here); partners keep their keys.
  const port = await freePort();
  const audience = 'https://partnerflow.test/api';
  product = await startProduct({ console: true, env: { OIDC_ISSUER: `http://127.0.0.1:${port}`, OIDC_CLIENT_ID: 'partnerflow-console', OIDC_AUDIENCE: audience } });
  const accounts = new Map<string, StaffAccount>([
    ['li', { id: 'li.reviewer', roles: ['reviewer'], name: 'Li Na', email: 'li.na@vendor.example' }],
    ['wang', { id: 'wang.reviewer', roles: ['reviewer'], name: 'Wang Wei', email: 'wang.wei@vendor.example' }],
    ['chen', { id: product.people.chenReviewer.id, roles: ['reviewer'], name: 'Chen Jie' }],
    ['ops', { id: 'ops', roles: ['ops'], name: 'Ops desk' }],
  ]);
  provider = await startOidcProvider({ port, accounts, clients: [{ clientId: 'partnerflow-console', redirectUris: [`${product.url}/`] }], resources: [audience] });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await product?.stop();
  await provider?.close();
});

/** The process page once it shows `state`, with its diagram drawn for that state. */
async function showing(page: Page, state: string) {
  await page.locator(`[data-testid="process"][data-state="${state}"]`).waitFor();
  await page.locator(`[data-testid="diagram"][data-state="${state}"] svg`).waitFor();
}

describe('the console', () => {
  it('R3 R24 R70 R71 R73: a partner submits, a reviewer rejects with a comment, the partner resubmits after reading it, the reviewer approves', async () => {
    const partner = await signedIn(browser, product, 'acme');
    await partner.locator('text=Nothing here yet.').waitFor();

    // The partner starts its business-information certification from the start form built from the kind's input schema.
    await partner.click('a[href="#/start"] button');
    await partner.selectOption('select[name="kind"]', 'business-certification');
    await screenshot(partner, 'partner-start');
    await partner.click('form[data-testid="start-form"] button[type="submit"]');
    await showing(partner, 'notSubmitted');
    const id = `business-certification:${product.people.acme.partnerId}`;
    expect(decodeURIComponent(new URL(partner.url()).hash)).toBe(`#/processes/${id}`);

    // Its SUBMIT form is built from the event's JSON Schema: a required string and a list of materials.
    const submit = partner.locator('form[data-action="SUBMIT"]');
    await submit.locator('input[name="licenseNumber"]').fill('91310000MA1K4AJ12X');
    await submit.locator('button[data-add="materials"]').click();
    await submit.locator('input[name="materials.0.name"]').fill('Business license scan');
    await submit.locator('input[name="materials.0.url"]').fill('https://files.acme.example/license.pdf');
    await screenshot(partner, 'partner-submit-form');
    await submit.locator('button[type="submit"]').click();
    await showing(partner, 'underReview');
    await expect(partner.locator('[data-testid="status"]').textContent()).resolves.toContain('Business-information certification under review');
    await screenshot(partner, 'partner-under-review');

    // Reviewer Li finds it in the inbox and claims it.
    const li = await signedIn(browser, product, 'li');
    const row = li.locator(`[data-testid="inbox"] tr[data-process="${id}"]`);
    await row.waitFor();
    await row.locator('button', { hasText: 'Claim' }).click();
    await li.locator(`tr[data-process="${id}"][data-claimed-by="li.reviewer"]`).waitFor();
    await screenshot(li, 'reviewer-inbox');

    // Reviewer Wang may not decide a review Li holds: the page shows the API's reason, and nothing changes (R73).
    const wang = await signedIn(browser, product, 'wang');
    await wang.goto(`${product.url}/#/processes/${encodeURIComponent(id)}`);
    await showing(wang, 'underReview');
    await wang.locator('[data-testid="hold"][data-claimed-by="li.reviewer"]').waitFor();
    await wang.locator('form[data-action="APPROVE"] button[type="submit"]').click();
    const refusal = wang.locator('[role="alert"][data-code="claimed_by_other"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/li\.reviewer/);
    await screenshot(wang, 'refusal-shows-reason');
    expect((await product.view('acme', id)).body.state).toBe('underReview');

    // Li opens it and rejects it with a comment.
    await row.locator('a', { hasText: 'Open' }).click();
    await showing(li, 'underReview');
    const reject = li.locator('form[data-action="REJECT"]');
    await reject.locator('[name="comment"]').fill('The license scan is unreadable; upload a clearer copy.');
    await screenshot(li, 'reviewer-rejects');
    await reject.locator('button[type="submit"]').click();
    await showing(li, 'rejected');

    // The partner sees the comment on its timeline, in GMT+08:00 (R70, R71), and reads it all in Chinese.
    await partner.reload();
    await showing(partner, 'rejected');
    const comment = partner.locator('[data-testid="timeline"] li[data-event="REJECT"] [data-testid="comment"]');
    expect(await comment.textContent()).toContain('The license scan is unreadable; upload a clearer copy.');
    const records = (await product.view('acme', id)).body.records as Array<{ event: string; atLocal: string }>;
    const rejected = records.find((r) => r.event === 'REJECT')!;
    const shown = rejected.atLocal.replace('T', ' ').replace(/\.\d+\+08:00$/, '');
    expect(await partner.locator('[data-testid="timeline"] li[data-event="REJECT"] time').textContent()).toBe(shown);
    await partner.click('[data-testid="lang"]');
    await partner.locator('[data-testid="status"]', { hasText: '认证未通过：修改后可重新提交' }).waitFor();
    await partner.locator('form[data-action="SUBMIT"] h3', { hasText: '提交商业信息' }).waitFor();
    await partner.locator('[data-testid="diagram"] svg', { hasText: '认证未通过' }).waitFor();
    await screenshot(partner, 'partner-reads-comment-zh');

    // It resubmits (R24: the rejected status allows SUBMIT), back in English.
    await partner.click('[data-testid="lang"]');
    const resubmit = partner.locator('form[data-action="SUBMIT"]');
    await resubmit.locator('input[name="licenseNumber"]').fill('91310000MA1K4AJ12X');
    await resubmit.locator('button[data-add="materials"]').click();
    await resubmit.locator('input[name="materials.0.name"]').fill('Business license scan, clear copy');
    await resubmit.locator('input[name="materials.0.url"]').fill('https://files.acme.example/license-clear.pdf');
    await resubmit.locator('button[type="submit"]').click();
    await showing(partner, 'underReview');

    // Li approves it; the process ends certified, and its diagram marks that state.
    await li.reload();
    await showing(li, 'underReview');
    await li.locator('form[data-action="APPROVE"] [name="comment"]').fill('Clear now, thank you.');
    await li.locator('form[data-action="APPROVE"] button[type="submit"]').click();
    await showing(li, 'certified');
    await li.locator('[data-testid="status"]', { hasText: 'Business information certified' }).waitFor();
    await expect(li.locator('[data-testid="diagram"] svg g.current').count()).resolves.toBe(1);
    expect(await li.locator('[data-testid="diagram"] svg g.current').textContent()).toContain('Business information certified');
    await screenshot(li, 'reviewer-approved-diagram');

    await partner.reload();
    await showing(partner, 'certified');
    const events = await partner.locator('[data-testid="timeline"] li').evaluateAll((items) => items.map((li) => li.getAttribute('data-event')));
    expect(events).toEqual(['START', 'SUBMIT', 'REJECT', 'SUBMIT', 'APPROVE']);
    await screenshot(partner, 'partner-certified');
  });

  it('R20 R24: a reviewer decides one review of a process in two parallel regions; the diagram marks a state in each', async () => {
    const started = await product.start('acme', 'initiation-review', { solution: 'Smart retail' }, { businessKey: 'console-retail' });
    expect(started.status).toBe(201);
    const id: string = started.body.id;
    const li = await signedIn(browser, product, 'li');
    await li.goto(`${product.url}/#/processes/${encodeURIComponent(id)}`);
    await showing(li, started.body.state);
    // Both regions are marked: initiation under review, joint design not applied for.
    const marked = li.locator('[data-testid="diagram"] svg g.current');
    await expect(marked.count()).resolves.toBe(2);
    expect(await marked.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Initiation under review'), expect.stringContaining('not applied for')]));
    await screenshot(li, 'parallel-diagram');

    // The decision names its review: the form carries `subject` from the allowed action's params.
    const reject = li.locator('form[data-action="REJECT"][data-subject="initiation"]');
    await reject.locator('[name="comment"]').fill('Add the network topology');
    await reject.locator('button[type="submit"]').click();
    await li.locator(`[data-testid="process"]:not([data-version="${started.body.version}"])`).waitFor();
    const after = (await product.view('acme', id)).body;
    await showing(li, after.state);
    expect(after.state).toContain('initiation.notPassed');
    expect(after.records.at(-1)).toMatchObject({ event: 'REJECT', comment: 'Add the network topology' });
  });

  it('R70 R71 R72: a reviewer signs in through the OIDC provider and delegates while away; the delegate decides on their behalf; a bulk approval answers per item with a four-eyes refusal; ops read the review-time chart', async () => {
    // A month of earlier reviews in the records store, and four submissions waiting now.
    await seedReviewMonth(product.store);
    const submit = async (who: 'acme' | 'globex' | 'chenPartner' | 'reseller') => {
      const started = await product.start(who, 'business-certification');
      expect((await product.act(who, started.body.id, { type: 'SUBMIT', ...licence })).status).toBe(200);
      return started.body.id as string;
    };
    const [away, routine, own, other] = [await submit('globex'), await submit('reseller'), await submit('chenPartner'), await product.start('acme', 'initiation-review', { solution: 'Smart port' }, { businessKey: 'console-bulk' }).then((r) => r.body.id as string)];

    // Li signs in at the organisation's provider (its own page), and holds a review.
    const li = await ssoSignedIn(browser, product, 'li');
    expect(await li.locator('[data-testid="who"]').textContent()).toContain('Li Na');
    const row = li.locator(`[data-testid="inbox"] tr[data-process="${away}"]`);
    await row.locator('button', { hasText: 'Claim' }).click();
    await li.locator(`tr[data-process="${away}"][data-claimed-by="li.reviewer"]`).waitFor();

    // Away tomorrow: Wang stands in from now until tomorrow evening.
    await li.click('header a[href="#/away"]');
    const form = li.locator('form[data-testid="delegation-form"]');
    await form.locator('input[name="to"]').fill('wang.reviewer');
    await form.locator('button[type="submit"]').click();
    await li.locator('[data-testid="delegations"] tr[data-to="wang.reviewer"][data-active="true"]').waitFor();
    await screenshot(li, 'reviewer-delegates');

    // Wang's inbox shows Li's review "for li.reviewer"; he approves it on her behalf.
    const wang = await ssoSignedIn(browser, product, 'wang');
    const held = wang.locator(`[data-testid="inbox"] tr[data-process="${away}"][data-on-behalf-of="li.reviewer"]`);
    await held.locator('[data-testid="for"]', { hasText: 'li.reviewer' }).waitFor();
    await screenshot(wang, 'delegate-inbox');
    await held.locator('a', { hasText: 'Open' }).click();
    await showing(wang, 'underReview');
    await wang.locator('form[data-action="APPROVE"] [name="comment"]').fill('Approved while Li is away');
    await wang.locator('form[data-action="APPROVE"] button[type="submit"]').click();
    await showing(wang, 'certified');
    const decided = wang.locator('[data-testid="timeline"] li[data-event="APPROVE"] [data-testid="actor"]');
    expect(await decided.textContent()).toMatch(/wang\.reviewer \(reviewer\) on behalf of li\.reviewer/);
    await screenshot(wang, 'decided-on-behalf');
    expect((await product.view('globex', away)).body.records.at(-1)).toMatchObject({ actor: 'wang.reviewer', onBehalfOf: 'li.reviewer' });

    // Chen (a reviewer, and initech's partner) approves three at once: his own submission is refused (four-eyes), the others pass.
    const chen = await ssoSignedIn(browser, product, 'chen');
    for (const id of [routine, own, other]) await chen.locator(`[data-testid="inbox"] tr[data-process="${id}"] input[name="select"]`).check();
    await chen.locator('[data-testid="bulk"] textarea[name="bulk-comment"]').fill('Routine approval');
    await chen.locator('[data-testid="bulk"] button[data-bulk="APPROVE"]').click();
    const results = chen.locator('[data-testid="bulk-results"]');
    await results.waitFor();
    expect(await results.locator('tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-process'), r.getAttribute('data-ok'), r.getAttribute('data-code')]))).toEqual([
      [routine, 'true', ''],
      [own, 'false', 'four_eyes'],
      [other, 'true', ''],
    ]);
    await screenshot(chen, 'bulk-approval');
    expect((await product.view('ops', routine)).body.state).toBe('certified');
    expect((await product.view('ops', own)).body.state).toBe('underReview');

    // Ops read how long reviews take, as a chart: per kind and per reviewer, in working hours.
    const ops = await ssoSignedIn(browser, product, 'ops');
    await ops.click('header a[href="#/reports"]');
    const kinds = ops.locator('[data-testid="report-chart-kinds"] svg');
    await kinds.locator('g[data-row="business-certification"] rect[data-bar="median"]').waitFor();
    expect(await kinds.locator('g[data-row]').count()).toBeGreaterThanOrEqual(4);
    const reviewers = ops.locator('[data-testid="report-chart-reviewers"] svg');
    for (const who of ['wang.reviewer', product.people.chenReviewer.id]) await reviewers.locator(`g[data-row="${who}"] rect[data-bar="p90"]`).waitFor();
    const bars = await kinds.locator('rect[data-bar="p90"]').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))));
    expect(Math.max(...bars)).toBeGreaterThan(100);
    const file = await screenshot(ops, 'review-report');
    expect(fs.existsSync(file)).toBe(true);
  });

  it('a partner makes an API key in the console, sees it once, and revokes it', async () => {
    const partner = await signedIn(browser, product, 'acme');
    await partner.click('header a[href="#/keys"]');
    const form = partner.locator('form[data-testid="key-form"]');
    await form.locator('input[name="id"]').fill(`orders-app@${product.people.acme.partnerId}`);
    await form.locator('input[name="name"]').fill('Orders app');
    await form.locator('button[type="submit"]').click();
    const made = partner.locator('[data-testid="new-key"]');
    const key = (await made.locator('code').textContent())!;
    expect(key).toMatch(/^pfk_/);
    const keyId = (await made.getAttribute('data-key-id'))!;
    expect((await fetch(`${product.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    await screenshot(partner, 'partner-keys');
    await partner.locator(`[data-testid="keys"] tr[data-key-id="${keyId}"] button`, { hasText: 'Revoke' }).click();
    await partner.locator(`[data-testid="keys"] tr[data-key-id="${keyId}"][data-status="revoked"]`).waitFor();
    await partner.locator(`[data-testid="key-events"] tr[data-event="revoked"][data-key-id="${keyId}"]`).waitFor();
    expect((await fetch(`${product.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    // The page never shows a key again.
    await partner.reload();
    await partner.locator(`[data-testid="keys"] tr[data-key-id="${keyId}"]`).waitFor();
    expect(await partner.content()).not.toContain(key);
  });

  it('serves its files from the server without a key, and nothing outside its folder; /v1/me names the key holder', async () => {
    const page = await fetch(product.url + '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/console/mermaid.min.js');
    expect((await fetch(product.url + '/console/mermaid.min.js')).status).toBe(200);
    for (const path of ['/console/..%2Fpackage.json', '/console/%2E%2E/%2E%2E/package.json', '/console/nothing.js'])
      expect((await fetch(product.url + path)).status).toBe(404);
    expect((await product.call('li', 'GET', '/v1/me')).body).toEqual({ id: 'li.reviewer', role: 'reviewer' });
    expect((await product.call('acme', 'GET', '/v1/me')).body).toMatchObject({ role: 'partner', partnerId: product.people.acme.partnerId });
    expect((await product.call(null, 'GET', '/v1/me')).status).toBe(401);
  });

  it("R24: every kind's diagram parses in Mermaid, as the API serves it and as the console draws it in either language", async () => {
    const all = (await product.call('li', 'GET', '/v1/kinds')).body.items as KindDescription[];
    const texts = all.flatMap((kind) => [
      { name: `${kind.kind} (API)`, text: kind.mermaid },
      ...(['en', 'zh-CN'] as const).map((lang) => ({ name: `${kind.kind} (${lang})`, text: diagramText(kind, kind.states[0].id, lang) })),
    ]);
    const page = await signedIn(browser, product, 'li');
    const failures = await page.evaluate(async (texts) => {
      const mermaid = (globalThis as any).mermaid;
      const out: string[] = [];
      for (const { name, text } of texts) await mermaid.parse(text).catch((err: Error) => out.push(`${name}: ${err.message}`));
      return out;
    }, texts);
    expect(failures).toEqual([]);
  });

  it('runs under its content security policy: scripts only its own, nothing inline, and no page refused anything it needed', async () => {
    const csp = (await fetch(product.url + '/')).headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    // Every story above ran (and drew its diagrams) under that policy.
    expect(cspViolations).toEqual([]);
  });
});
