import fs from 'node:fs';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchAttributeKeys } from '../workflows/contract';
import { eventually } from './support/flows';
import { startProduct, type Product } from './support/product';
import { licence } from './support/fixtures';

/** What ops read about processes in the Temporal Web UI and with `temporal workflow list` (docs/OPERATIONS.md). */

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

const handle = (id: string) => product.client.temporal.workflow.getHandle(id);
const listIds = async (query: string) => {
  const ids: string[] = [];
  for await (const w of product.client.temporal.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
};

describe('business state in the Temporal Web UI', () => {
  it('shows summary, memo and current details in both languages, and WaitingFor / ReviewDueAt to filter by', async () => {
    const acme = product.people.acme.partnerId;
    const id = (await product.start('acme', 'business-certification')).body.id as string;
    expect((await product.act('acme', id, { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X', materials: licence.materials })).status).toBe(200);
    const view = (await product.view('acme', id)).body;

    const described = await handle(id).describe();
    expect(await described.staticSummary()).toContain(acme);
    expect(await described.staticSummary()).toContain('Business-information certification');
    expect(await described.staticDetails()).toContain(`Partner · 合作伙伴: \`${acme}\``);
    expect(described.memo).toMatchObject({ title: { en: expect.any(String), 'zh-CN': expect.any(String) }, partner: acme });
    expect(described.typedSearchAttributes.get(searchAttributeKeys.waitingFor)).toEqual(['reviewer']);
    expect(described.typedSearchAttributes.get(searchAttributeKeys.reviewDueAt)?.toISOString()).toBe(new Date(view.dueAt).toISOString());

    // The workflow page's "current details" come from the workflow's metadata query, not from history.
    const metadata = await handle(id).query<temporal.api.sdk.v1.IWorkflowMetadata>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain(view.label['zh-CN']);
    expect(metadata.currentDetails).toContain(view.label.en);
    expect(metadata.currentDetails).toContain('Waiting for · 等待: reviewer');
    expect(metadata.currentDetails).toContain(`Review due · 审核截止: ${view.dueAtLocal.slice(0, 16).replace('T', ' ')}`);

    // The list queries of docs/OPERATIONS.md: stuck reviews, a partner's processes, overdue ones.
    const stuck = `ProcessKind = 'business-certification' AND WaitingFor = 'reviewer' AND PartnerId = '${acme}' AND ExecutionStatus = 'Running'`;
    await eventually(() => listIds(stuck), (ids) => ids.includes(id));
    const dueBefore = (at: string) => `PartnerId = '${acme}' AND WaitingFor = 'reviewer' AND ReviewDueAt < '${at}'`;
    await eventually(() => listIds(dueBefore('2999-01-01T00:00:00Z')), (ids) => ids.includes(id));
    expect(await listIds(dueBefore('2000-01-01T00:00:00Z'))).toEqual([]);

    expect((await product.act('li', id, { type: 'APPROVE' })).status).toBe(200);
    await eventually(() => listIds(stuck), (ids) => ids.length === 0);
    const after = await handle(id).describe();
    expect(after.typedSearchAttributes.get(searchAttributeKeys.reviewDueAt)).toBeUndefined();
    expect(after.typedSearchAttributes.get(searchAttributeKeys.state)).toBe('certified');
    const ended = await handle(id).query<temporal.api.sdk.v1.IWorkflowMetadata>('__temporal_workflow_metadata');
    expect(ended.currentDetails).toContain('Business information certified');
    expect(ended.currentDetails).toContain('Waiting for nobody');
    expect(ended.currentDetails).not.toContain('Review due');
  });

  it('writes a search attribute event only when what ops see changed, at most one per step, and labels timers and the rare activities', async () => {
    const id = (await product.start('globex', 'business-certification')).body.id as string;
    for (const step of [
      ['globex', { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X', materials: licence.materials }],
      ['globex', { type: 'WITHDRAW' }],
      ['globex', { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12Y', materials: licence.materials }],
      ['wang', { type: 'REJECT', comment: 'Licence unreadable' }],
      ['globex', { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12W', materials: licence.materials }],
    ] as const) expect((await product.act(step[0], id, step[1])).status).toBe(200);

    const history = await handle(id).fetchHistory();
    const seen = new Map<string, string>();
    let upserts = 0;
    for (const event of history.events ?? []) {
      const fields =
        event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ??
        event.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields;
      if (!fields) continue;
      upserts++;
      const changed = Object.entries(fields).filter(([name, payload]) => seen.get(name) !== JSON.stringify(payload.data));
      expect(changed.length, `event ${event.eventId} repeats what ops already see`).toBeGreaterThan(0);
      for (const [name, payload] of Object.entries(fields)) seen.set(name, JSON.stringify(payload.data));
    }
    expect(upserts).toBeGreaterThan(0);
    // Six steps (the start and five actions): each writes what changed in one event, the memo never again.
    expect(upserts).toBeLessThanOrEqual(6);
    expect(history.events?.filter((e) => e.workflowPropertiesModifiedEventAttributes)).toEqual([]);
    // Every step is recorded inside its workflow task by a local activity (a marker, no activity task): the
    // start's opening and record, then each action's; no step sends its own messages. The opening says what it does.
    expect((history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    const markers = (history.events ?? []).filter((e) => e.markerRecordedEventAttributes);
    expect(markers).toHaveLength(7);
    expect(markers.filter((e) => e.userMetadata?.summary?.data?.length)).toHaveLength(1);
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
    expect(timers.length, 'review reminder timers').toBeGreaterThan(0);
    for (const event of timers) expect(event.userMetadata?.summary?.data?.length).toBeGreaterThan(0);
  });

  it('a process is listed by its opening state from its start: the first step writes no search attribute when the opening held', async () => {
    // A partner of its own: a once-per-partner kind another test started would be found, not started.
    const initech = product.people.chenPartner.partnerId;
    const id = (await product.start('chenPartner', 'business-certification')).body.id as string;
    const history = await handle(id).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ?? {};
    expect(Object.keys(started).sort()).toEqual(['KindVersion', 'PartnerId', 'ProcessKind', 'ProcessState', 'WaitingFor']);
    expect(history.events?.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toEqual([]);
    const described = await handle(id).describe();
    expect(described.typedSearchAttributes.get(searchAttributeKeys.state)).toBe((await product.view('chenPartner', id)).body.state);
    expect(described.typedSearchAttributes.get(searchAttributeKeys.waitingFor)).toEqual(['partner']);
    await eventually(() => listIds(`PartnerId = '${initech}' AND WaitingFor = 'partner' AND ProcessKind = 'business-certification'`), (ids) => ids.includes(id));
  });

  it('every list query in docs/OPERATIONS.md is accepted by the server', async () => {
    const doc = fs.readFileSync(path.join(__dirname, '../docs/OPERATIONS.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## List queries'), doc.indexOf('## Repairing'));
    const queries = [...section.matchAll(/^\| [^|]+ \| `([^`]+)`/gm)].map((m) => m[1]);
    expect(queries.length).toBeGreaterThan(5);
    for (const query of queries) await expect(listIds(query), query).resolves.toBeInstanceOf(Array);
  });
});
