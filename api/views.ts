import type { AnyMachineSnapshot } from 'xstate';
import { allowedActions } from '../machines/policy';
import { kindOf } from '../machines/registry';
import { toBeijingTime } from '../machines/time';
import type { Actor } from '../machines/types';
import type { ProcessRow, TransitionRecord } from '../store/model';
import type { ProcessView, RecordView } from './schemas';

/** The machine snapshot a stored view stands for, to ask the machine what the caller may do now. */
export function snapshotOf(row: ProcessRow): AnyMachineSnapshot | undefined {
  const kind = kindOf(row.kind, row.kindVersion);
  if (!kind || row.version < 0) return undefined;
  try {
    return kind.machine.resolveState({ value: row.stateValue as any, context: row.context as any });
  } catch {
    // A row whose state this build's machine does not know (written by another build): shown, with no actions offered.
    return undefined;
  }
}

/** Context fields that are the driver's, not the business's. */
const hidden = new Set(['processId', 'partnerId', 'settings']);

export function recordView(record: TransitionRecord): RecordView {
  return {
    seq: record.seq,
    at: record.at,
    atLocal: toBeijingTime(record.at),
    actor: record.actorId,
    ...(record.onBehalfOf !== undefined ? { onBehalfOf: record.onBehalfOf } : {}),
    role: record.role,
    event: record.event,
    from: record.from,
    to: record.to,
    ...(record.comment !== undefined ? { comment: record.comment } : {}),
    ...(record.reason !== undefined ? { reason: record.reason } : {}),
  };
}

/** The view of DESIGN.md's API v1, for this caller. */
export function processView(row: ProcessRow, actor: Actor, records?: TransitionRecord[]): ProcessView {
  const kind = kindOf(row.kind, row.kindVersion)!;
  const snapshot = row.done ? undefined : snapshotOf(row);
  return {
    id: row.id,
    kind: row.kind,
    kindVersion: row.kindVersion,
    partnerId: row.partnerId,
    businessKey: row.businessKey,
    state: row.state,
    label: row.label,
    done: row.done,
    version: row.version,
    waitingFor: row.waitingFor,
    dueAt: row.dueAt,
    dueAtLocal: row.dueAt && toBeijingTime(row.dueAt),
    allowedActions: snapshot ? allowedActions(kind, snapshot, actor) : [],
    ...(records ? { records: records.map(recordView) } : {}),
    data: Object.fromEntries(Object.entries((row.context ?? {}) as Record<string, unknown>).filter(([key]) => !hidden.has(key))),
    createdAt: row.createdAt,
    createdAtLocal: toBeijingTime(row.createdAt),
    updatedAt: row.updatedAt,
    updatedAtLocal: toBeijingTime(row.updatedAt),
  };
}
