import { isDeepStrictEqual } from 'node:util';
import { legacyUpdateIdFor, updateIdFor, type ProcessClient } from '../engineClient';
import { authorize, parseAction } from '../machines/policy';
import { kindOf } from '../machines/registry';
import type { Actor } from '../machines/types';
import type { Store } from '../store/db';
import type { ProcessRow, TransitionRecord } from '../store/model';
import { mayReadProcess } from './auth';
import { HttpError } from './errors';
import { refuseUnsafeLinks } from './links';
import { reserveSmsCode, type SmsQuota } from './smsQuota';
import { snapshotOf } from './views';

/**
 * Sending an event to a process, as `POST /v1/processes/:id/actions` does and as each item of a bulk
 * decision does: the same checks in the same order (422, 403, 409), then the process's own Update,
 * which checks again and applies it whole or not at all (R73).
 */

export interface ActionDeps {
  client: ProcessClient;
  store: Store;
  /** The day's SMS quotas an action that sends a verification code counts against (R66). */
  limits?: SmsQuota;
}

const notFound = (id: string) => new HttpError(404, 'not_found', `No process "${id.slice(0, 200)}" is visible to you.`);

/** The process as the caller may see it, or 404 (another partner's process is 404, not 403: R72). */
export async function visibleProcess({ client, store }: ActionDeps, actor: Actor, id: string): Promise<ProcessRow> {
  let row = await store.getProcess(id);
  if (!row) throw notFound(id);
  // A process still starting does not know its customer yet; waiting for it reveals nothing.
  if (row.version < 0 && actor.role === 'customer') {
    await client.settle(id);
    row = (await store.getProcess(id))!;
  }
  if (!mayReadProcess(actor, row)) throw notFound(id);
  if (row.version < 0) {
    await client.settle(id);
    row = (await store.getProcess(id))!;
  }
  return row;
}

/** Whether a recorded transition is the action sent again (the same event with the same payload). */
function sameAction(record: TransitionRecord, type: string, payload: Record<string, unknown>): boolean {
  const { comment, ...rest } = payload;
  return record.event === type && record.comment === comment && isDeepStrictEqual(record.payload ?? {}, rest);
}

/** The record an earlier request with this Idempotency-Key made, in this role (ids before roles were named: same id and role). */
const earlierWith = (records: TransitionRecord[], actor: Actor, key: string) =>
  records.find((r) => r.updateId === updateIdFor(actor, key) || (r.updateId === legacyUpdateIdFor(actor, key) && r.role === actor.role));

/**
 * Who decides: the caller, or, when the review is held by a reviewer who is away and the caller stands
 * in for them, the caller on that reviewer's behalf. A review held by anyone else is theirs to decide.
 */
async function decidingActor(store: Store, row: ProcessRow, actor: Actor): Promise<{ actor: Actor; heldBy?: string }> {
  const task = await store.getTask(row.id, 'reviewer');
  if (!task?.claimedBy || task.claimedBy === actor.id) return { actor };
  if ((await store.staff.delegateOf(task.claimedBy, new Date().toISOString())) === actor.id) return { actor: { ...actor, onBehalfOf: task.claimedBy } };
  return { actor, heldBy: task.claimedBy };
}

/** `If-Match: "3"` (or 3, or W/"3") → 3. */
export function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = header.trim().match(/^(?:W\/)?"?(-?\d{1,9})"?$/);
  if (!match) throw new HttpError(400, 'invalid_if_match', 'If-Match must be the version of the process, e.g. If-Match: "3".');
  return Number(match[1]);
}

export interface ActOptions {
  /** Refuse with 412 unless the process is still at this version: the `If-Match` header as sent, or a version. */
  ifMatch?: string | number;
  idempotencyKey?: string;
}

/** Sends `action` to the process as `actor`; the row afterwards, or an HttpError/ProcessRefusal that changed nothing. */
export async function applyAction(deps: ActionDeps, caller: Actor, id: string, action: Record<string, unknown>, options: ActOptions = {}): Promise<ProcessRow> {
  const { client, store } = deps;
  const row = await visibleProcess(deps, caller, id);
  const kind = kindOf(row.kind, row.kindVersion)!;
  // 422 then 403 here already, so a refused request never reaches the engine; the workflow checks again.
  const parsed = parseAction(kind, action);
  if (!parsed.ok) throw new HttpError(parsed.refusal.status, parsed.refusal.code, parsed.refusal.reason);
  refuseUnsafeLinks(parsed.payload, `The ${parsed.type} payload`);
  const decision = kind.events[parsed.type].decision && caller.role === 'reviewer' && !row.done;
  const { actor, heldBy } = decision ? await decidingActor(store, row, caller) : { actor: caller, heldBy: undefined };
  // Who may send it, before anything is answered: a replayed answer is an answer too.
  const snapshot = snapshotOf(row);
  const forbidden = snapshot && authorize(kind, snapshot, parsed.type, actor, parsed.payload);
  if (forbidden) throw new HttpError(forbidden.status, forbidden.code, forbidden.reason);
  // A retried request is answered from the audit trail, even after the action ended the process.
  const key = options.idempotencyKey;
  if (key !== undefined) {
    const earlier = earlierWith(await store.listRecords(row.id), caller, key);
    if (earlier && !sameAction(earlier, parsed.type, parsed.payload))
      throw new HttpError(422, 'idempotency_key_reused', `This Idempotency-Key was already used for ${earlier.event} (record ${earlier.seq}); send a new key with a new action.`);
    if (earlier) return row;
  }
  if (row.done) throw new HttpError(409, 'process_ended', `This process has ended (${row.label.en}); nothing more can be done on it.`);
  // A review another reviewer holds is theirs to decide (the inbox shows who holds it).
  if (heldBy) throw new HttpError(409, 'claimed_by_other', `${heldBy} holds this review; ask them, or ops, to release it before deciding.`);
  const version = typeof options.ifMatch === 'number' ? options.ifMatch : expectedVersion(options.ifMatch);
  // A code the machine would refuse anyway (too_many_codes) costs no quota: its own reason comes first.
  const phone = (row.context as { phone?: unknown } | null)?.phone;
  const sendsCode = deps.limits && parsed.type === 'RESEND_CODE' && row.kind === 'customer-creation' && typeof phone === 'string' && snapshot?.can({ ...parsed.payload, type: parsed.type, actor, at: new Date().toISOString() });
  const sms = sendsCode ? await reserveSmsCode(store, deps.limits!, row.partnerId, phone as string) : undefined;
  try {
    await client.act(row.id, { action, actor, expectedVersion: version, idempotencyKey: key });
  } catch (err) {
    await sms?.release();
    throw err;
  }
  return (await store.getProcess(row.id))!;
}
