import { defaultSettings, type ProcessKind } from '../machines/kind';
import { planMove, whatIf, type StateMapping, type WhatIf } from '../machines/migration';
import { versionsOf } from '../machines/registry';
import { noFacts, type Actor, type PartnerFacts } from '../machines/types';
import type { ProcessClient } from '../engineClient';
import type { ProcessRow, TransitionRecord } from '../store/model';
import type { Store } from '../store/db';

/** One process of a migration plan, as the dry run shows it. */
export interface PlanItem {
  processId: string;
  fromVersion: number | null;
  state: string | null;
  verdict: 'moves' | 'stays';
  toState?: string;
  code?: string;
  reason?: string;
  whatIf?: WhatIf;
}

/** The start of a process as its records tell it: the input, who started it, and the partner's facts then (before any FACT arrived). */
function startOf(row: ProcessRow, records: TransitionRecord[]) {
  const start = records.find((r) => r.event === 'START')!;
  const context = (row.context ?? {}) as { facts?: PartnerFacts; settings?: unknown; customerId?: string };
  const facts: Record<string, boolean> = { ...noFacts, ...context.facts };
  // A fact is recorded only when it changed what the process knew, so before its first record it was the opposite.
  for (const record of records.filter((r) => r.event === 'FACT').reverse()) {
    const { fact, value } = (record.payload ?? {}) as { fact?: string; value?: boolean };
    if (fact && typeof value === 'boolean') facts[fact] = !value;
  }
  const startedBy: Actor = {
    id: start.actorId,
    role: start.role,
    ...(start.role === 'partner' || start.role === 'customer' ? { partnerId: row.partnerId } : {}),
    ...(start.role === 'customer' && context.customerId ? { customerId: context.customerId } : {}),
  };
  return { processId: row.id, partnerId: row.partnerId, startedBy, at: start.at, input: start.payload ?? {}, facts, settings: context.settings ?? defaultSettings };
}

/**
 * The dry run of a migration: for each process, whether it can move to version `to` now and where
 * (asking the running process itself: its live snapshot, timers and whether an action is in flight), and
 * whether its past would have passed under the new rules. Reads only: no record, view or history changes.
 */
export async function planMigration(
  deps: { store: Store; client: ProcessClient },
  target: ProcessKind,
  processIds: string[],
  mapping: StateMapping | undefined,
): Promise<PlanItem[]> {
  const versions = versionsOf(target.name);
  const planOne = async (processId: string): Promise<PlanItem> => {
    const row = await deps.store.getProcess(processId);
    if (!row) return { processId, fromVersion: null, state: null, verdict: 'stays', code: 'not_found', reason: 'There is no such process.' };
    const base = { processId, fromVersion: row.kindVersion, state: row.state };
    if (row.kind !== target.name) return { ...base, verdict: 'stays', code: 'not_of_kind', reason: `It is a ${row.kind} process, not ${target.name}.` };
    const live = row.done ? undefined : await deps.client.inspect(processId);
    const from = versions.find((k) => k.version === (live?.kindVersion ?? row.kindVersion))!;
    const plan = live
      ? planMove(versions, from, target, { value: live.value, context: live.context, done: live.done }, live.timers, { mapping, busy: live.busy })
      : planMove(versions, from, target, { value: row.stateValue as any, context: row.context, done: true }, [], { mapping });
    const item: PlanItem =
      plan.verdict === 'moves' ? { ...base, verdict: 'moves', toState: plan.toState } : { ...base, verdict: 'stays', code: plan.code, reason: plan.reason };
    if (plan.verdict === 'stays' && (plan.code === 'process_ended' || plan.code === 'already_on_version')) return item;
    const records = await deps.store.listRecords(processId);
    return records.some((r) => r.event === 'START') ? { ...item, whatIf: whatIf(target, startOf(row, records), records, mapping) } : item;
  };
  const items: PlanItem[] = [];
  // A few at a time: each asks its process's workflow, which a worker may have to load.
  for (let i = 0; i < processIds.length; i += 16) items.push(...(await Promise.all(processIds.slice(i, i + 16).map(planOne))));
  return items;
}
