import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certifyBusiness, eventually, footprint } from './support/flows';
import { startProduct, type Product } from './support/product';

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

describe('partner onboarding, certifications and partner information over the API', () => {
  let onboarding: string;

  it('R1 refuses the application until the enterprise is real-name verified and has bound an email', async () => {
    const started = await product.start('acme', 'partner-onboarding', { companyName: 'Acme Cloud Ltd', contactEmail: 'it@acme.example' });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ state: 'registered', done: false });
    expect(started.body.label['zh-CN']).toContain('企业实名认证');
    onboarding = started.body.id;

    const before = await footprint(product, onboarding);
    const early = await product.act('acme', onboarding, { type: 'SUBMIT', program: 'solution-provider' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'prerequisites_unmet' });
    expect(early.body.error.reason).toContain('still missing: enterprise real-name verification and email binding');
    expect(await footprint(product, onboarding)).toEqual(before);

    expect((await product.act('system', onboarding, { type: 'REAL_NAME_VERIFIED' })).status).toBe(200);
    expect((await product.act('acme', onboarding, { type: 'BIND_EMAIL', email: 'partners@acme.example' })).status).toBe(200);
    const partner = await product.call('acme', 'GET', `/v1/partners/${product.people.acme.partnerId}`);
    expect(partner.body.facts).toMatchObject({ realNameVerified: true, emailBound: true, businessCertified: false });

    const applied = await product.act('acme', onboarding, { type: 'SUBMIT', program: 'solution-provider', level: 'Advanced' });
    expect(applied.status).toBe(200);
    expect(applied.body.label).toEqual({ en: 'Application under review', 'zh-CN': '申请审核中' });
    const toReviewers = await product.store.listOutbox({ processId: onboarding });
    expect(toReviewers.map((m) => m.recipient)).toContain('reviewers@partnerflow.local');
  });

  it('R2 a rejected application is read, corrected and resubmitted, then approved; the partner hears each outcome', async () => {
    const rejected = await product.act('li', onboarding, { type: 'REJECT', comment: 'The business licence scan is unreadable' });
    expect(rejected.body.state).toBe('rejected');
    const seen = await product.view('acme', onboarding);
    expect(seen.body.records.at(-1)).toMatchObject({ event: 'REJECT', comment: 'The business licence scan is unreadable', actor: 'li.reviewer' });
    expect(seen.body.allowedActions.map((a: { type: string }) => a.type)).toEqual(['SUBMIT', 'WITHDRAW']);

    const resubmitted = await product.act('acme', onboarding, {
      type: 'SUBMIT',
      program: 'solution-provider',
      level: 'Advanced',
      materials: [{ name: 'Business licence', url: 'https://files.acme.example/licence.pdf' }],
    });
    expect(resubmitted.body.state).toBe('underReview');
    const approved = await product.act('wang', onboarding, { type: 'APPROVE', comment: 'Welcome aboard' });
    expect(approved.body).toMatchObject({ state: 'approved', done: true, allowedActions: [] });
    expect(approved.body.label['zh-CN']).toBe('已成为解决方案提供商合作伙伴');

    const toPartner = (await product.store.listOutbox({ processId: onboarding })).filter((m) => m.audience === 'partner');
    expect(toPartner.map((m) => m.subject)).toEqual([expect.stringMatching(/^Not approved/), expect.stringMatching(/^Approved/)]);
    expect(toPartner.every((m) => m.recipient === 'it@acme.example')).toBe(true);
  });

  it('R4 the partner sees the programs it applied to: program, applied level and status', async () => {
    const { body } = await product.call('acme', 'GET', `/v1/partners/${product.people.acme.partnerId}`);
    expect(body.programs).toEqual([
      { program: 'solution-provider', level: 'Advanced', status: { en: 'Solution provider partner', 'zh-CN': '已成为解决方案提供商合作伙伴' }, processId: onboarding },
    ]);
    const listed = await product.call('acme', 'GET', '/v1/processes?kind=partner-onboarding');
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([onboarding]);
  });

  it('R4 an ended onboarding refuses further actions with process_ended', async () => {
    const after = await product.act('acme', onboarding, { type: 'WITHDRAW' });
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('process_ended');
  });

  it('R6 the partner changes its company information, contact and message settings; notifications follow them', async () => {
    const id = product.people.globex.partnerId;
    const beforeAnyProcess = await product.call('globex', 'PATCH', `/v1/partners/${id}`, { contact: { name: 'Bob' } });
    expect(beforeAnyProcess.status).toBe(200);
    expect(beforeAnyProcess.body.facts).toEqual({ realNameVerified: false, emailBound: false, businessCertified: false });
    await product.start('globex', 'partner-onboarding', { companyName: 'Globex' });
    const changed = await product.call('globex', 'PATCH', `/v1/partners/${id}`, {
      companyName: 'Globex Digital',
      company: { industry: 'Manufacturing', website: 'https://globex.example' },
      contact: { name: 'Bob', email: 'bob@globex.example', phone: '+86 138 0000 0000' },
      messageSettings: { reviewOutcome: { email: false, sms: true } },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ companyName: 'Globex Digital', contact: { email: 'bob@globex.example' } });
    expect(changed.body.messageSettings.reviewOutcome).toEqual({ email: false, sms: true });

    const readOnly = await product.call('globex', 'PATCH', `/v1/partners/${id}`, { facts: { businessCertified: true } });
    expect(readOnly.status).toBe(422);
    expect(readOnly.body.error.code).toBe('read_only');
    expect((await product.call('acme', 'PATCH', `/v1/partners/${id}`, { companyName: 'Hijack' })).status).toBe(404);

    const certification = await certifyBusiness(product, 'globex');
    const outcome = (await product.store.listOutbox({ processId: certification })).filter((m) => m.audience === 'partner');
    expect(outcome.map((m) => [m.channel, m.recipient])).toEqual([['sms', '+86 138 0000 0000']]);
  });

  it('R6 R2 the email a partner binds becomes its contact when it has none, so it hears the review outcome', async () => {
    const partnerId = product.people.chenPartner.partnerId;
    const before = await product.call('chenPartner', 'GET', `/v1/partners/${partnerId}`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ contact: {}, programs: [] });
    const id = (await product.start('chenPartner', 'partner-onboarding', { companyName: 'Initech' })).body.id;
    await product.act('ops', id, { type: 'REAL_NAME_VERIFIED' });
    await product.act('chenPartner', id, { type: 'BIND_EMAIL', email: 'chen@initech.example' });
    await product.act('chenPartner', id, { type: 'SUBMIT', program: 'solution-provider' });
    await product.act('wang', id, { type: 'REJECT', comment: 'Company seal missing' });
    const partner = await product.call('chenPartner', 'GET', `/v1/partners/${partnerId}`);
    expect(partner.body.contact.email).toBe('chen@initech.example');
    const outcome = (await product.store.listOutbox({ processId: id })).filter((m) => m.audience === 'partner');
    expect(outcome.map((m) => [m.recipient, m.subject.split(':')[0]])).toEqual([['chen@initech.example', 'Not approved']]);
  });

  it('R3 business-information certification is a separate process whose pass sets the partner’s status', async () => {
    const { body } = await product.call('globex', 'GET', `/v1/partners/${product.people.globex.partnerId}`);
    expect(body.facts.businessCertified).toBe(true);
    const process = await product.start('globex', 'business-certification');
    expect(process.body).toMatchObject({ state: 'certified', done: true });
    expect(process.body.label['zh-CN']).toBe('商业信息认证通过');
  });

  it('R5 applies for a role once its minimum requirements are met, and the certified role shows on the partner', async () => {
    const early = await product.start('acme', 'role-certification', { role: 'system-integrator' }, { businessKey: 'si' });
    expect(early.body.data.requirements.length).toBeGreaterThan(1);
    const refused = await product.act('acme', early.body.id, { type: 'SUBMIT' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('requirements_unmet');

    const bad = await product.start('acme', 'role-certification', { role: 'astronaut' }, { businessKey: 'x' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.reason).toContain('role');

    const { body } = await product.start('globex', 'role-certification', { role: 'system-integrator' }, { businessKey: 'si' });
    expect((await product.act('globex', body.id, { type: 'SUBMIT', note: 'Six certified engineers' })).body.state).toBe('underReview');
    const certified = await product.act('li', body.id, { type: 'APPROVE' });
    expect(certified.body.label).toEqual({ en: 'System integrator: Role certified', 'zh-CN': '系统集成伙伴：角色认证通过' });
    const partner = await eventually(
      () => product.call('globex', 'GET', `/v1/partners/${product.people.globex.partnerId}`),
      (r) => r.body.certifiedRoles.includes('system-integrator'),
    );
    expect(partner.body.certifiedRoles).toEqual(['system-integrator']);
  });
});
