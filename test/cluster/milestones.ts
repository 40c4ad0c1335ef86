import { expect } from 'vitest';
import type { OutboxRow } from '../../store/rows';
import { eventually } from '../support/flows';
import { messageIdFor } from '../../activities/notifier';
import { licence, materials } from '../support/fixtures';
import type { Fleet } from './fleet';

/** Each milestone rejected once, then applied again and approved: 12 actions after the start. */
export const milestonePath = [1, 2, 3].flatMap((m) => [
  { who: 'partner', action: { type: 'APPLY', milestone: m, materials } },
  { who: m % 2 ? 'li' : 'wang', action: { type: 'REJECT', comment: `Milestone ${m}: more evidence` } },
  { who: 'partner', action: { type: 'APPLY', milestone: m, materials } },
  { who: m % 2 ? 'wang' : 'li', action: { type: 'APPROVE' } },
]);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const randomBetween = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

/** The partner `bob@globex`, with its business information certified (R10) once per run. */
export async function certifiedGlobex(fleet: Fleet) {
  const bob = fleet.keyOf('bob@globex', 'partner');
  const li = fleet.keyOf('li.reviewer', 'reviewer');
  const started = await fleet.call(0, bob, 'POST', '/v1/processes', { kind: 'business-certification', input: {} });
  const id = encodeURIComponent(started.body.id);
  if (started.status === 201) {
    expect((await fleet.call(1, bob, 'POST', `/v1/processes/${id}/actions`, { type: 'SUBMIT', ...licence })).status).toBe(200);
    expect((await fleet.call(0, li, 'POST', `/v1/processes/${id}/actions`, { type: 'APPROVE' })).status).toBe(200);
  }
  return bob;
}

/**
 * One milestone process through all 12 actions, each request to the next API in turn. `send` decides
 * what a failed answer means (retry a 503 with the same Idempotency-Key, or count it as a failure).
 */
export async function runMilestones(
  fleet: Fleet,
  businessKey: string,
  send: (api: number, key: string, method: string, route: string, body: unknown, headers: Record<string, string>, what: string) => Promise<{ status: number; body: any }>,
  pauseMs: [number, number] = [0, 300],
): Promise<string> {
  const keys: Record<string, string> = { partner: fleet.keyOf('bob@globex', 'partner'), li: fleet.keyOf('li.reviewer', 'reviewer'), wang: fleet.keyOf('wang.reviewer', 'reviewer') };
  const started = await send(0, keys.partner, 'POST', '/v1/processes', { kind: 'nre-milestones', input: {}, businessKey }, {}, `start ${businessKey}`);
  const id = started.body.id as string;
  for (const [n, step] of milestonePath.entries()) {
    await sleep(randomBetween(...pauseMs));
    await send(n + 1, keys[step.who], 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, step.action, { 'idempotency-key': `${businessKey}-${n}` }, `${businessKey} step ${n}`);
  }
  return id;
}

/** Every process accepted, its records exactly START + the 12 actions, and no message delivered twice. */
export async function expectEachOnce(fleet: Fleet, ids: string[]) {
  for (const id of ids) {
    const records = await fleet.store.listRecords(id);
    expect(records.map((r) => r.seq), id).toEqual([...Array(milestonePath.length + 1).keys()]);
    expect(records.map((r) => r.event), id).toEqual(['START', ...milestonePath.map((s) => s.action.type)]);
    expect(await fleet.store.getProcess(id)).toMatchObject({ state: 'accepted', done: true });
  }
  const outbox = (await Promise.all(ids.map((id) => fleet.store.listOutbox({ processId: id })))).flat();
  const arrived = new Map<string, number>();
  for (const m of fleet.mailbox.inbox) arrived.set(m.messageId, (arrived.get(m.messageId) ?? 0) + 1);
  for (const m of outbox) expect(arrived.get(messageIdFor(m.key)) ?? 0, m.key).toBeLessThanOrEqual(1);
  return outbox;
}

/**
 * Nothing lost, nothing twice but in R74's window: every outbox message of `ids` ends `sent`, and each email
 * among them arrived at the test's SMTP server once (by its Message-ID), or twice if the killed worker was sending it. Returns the rows as first read,
 * before they were all sent (messages held by a killed worker show there as `sending`).
 */
export async function expectDeliveredOnce(fleet: Fleet, ids: string[], timeoutMs = 90_000): Promise<{ first: OutboxRow[]; sent: OutboxRow[] }> {
  const read = async () => (await Promise.all(ids.map((id) => fleet.store.listOutbox({ processId: id })))).flat();
  const first = await read();
  const sent = await eventually(read, (rows) => rows.every((m) => m.status === 'sent'), timeoutMs);
  expect(sent.filter((m) => m.status !== 'sent').map((m) => `${m.key}: ${m.status}`)).toEqual([]);
  const emails = sent.filter((m) => m.channel === 'email');
  expect(emails.length, 'the milestone processes send email').toBeGreaterThan(0);
  const arrived = new Map<string, number>();
  for (const m of fleet.mailbox.inbox) arrived.set(m.messageId, (arrived.get(m.messageId) ?? 0) + 1);
  // R74's one window: a message the killed worker was sending (accepted by the SMTP server, not yet marked) may
  // arrive twice, under the same Message-ID so the receiver can tell; any other may not, and none may be lost.
  const inWindow = new Set(first.filter((m) => m.status === 'sending').map((m) => m.key));
  const wrong = emails
    .map((m) => ({ key: m.key, arrived: arrived.get(messageIdFor(m.key)) ?? 0 }))
    .filter((m) => m.arrived === 0 || (m.arrived > 1 && !inWindow.has(m.key)));
  expect(wrong, 'emails lost, or sent twice outside the window').toEqual([]);
  return { first, sent };
}
