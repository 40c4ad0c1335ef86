import type { AnyMachineSnapshot, AnyStateNode, StateValue } from 'xstate';
import { z } from 'zod';
import type { ProcessKind, Stamp } from './kind';
import { soleReview, type PendingReview, type Reviewing } from './review';
import type { Actor, Labels, Refusal, Role } from './types';

/**
 * The generic rules every kind shares, as pure functions of (kind, snapshot, action, actor):
 * the driver's Update validator and the edge both ask these, in the order 422, 403, 409 (R73).
 */

export type Action = { type: string } & Record<string, unknown>;
export type StampedEvent = Action & Stamp;

/** A refusal or the accepted event. */
export type Verdict = { ok: true; event: StampedEvent } | { ok: false; refusal: Refusal };

const refuse = (status: Refusal['status'], code: string, reason: string): Verdict => ({ ok: false, refusal: { status, code, reason } });

/** Names what was wrong in a zod error: `materials.0.url: Invalid URL; comment: Required`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${path ? ` in ${path}` : ''}`;
      return `${path || 'body'}: ${issue.message}`;
    })
    .join('; ');
}

/** 422: is this a known event with a valid payload? */
export function parseAction(kind: ProcessKind, action: unknown): { ok: true; type: string; payload: Record<string, unknown> } | { ok: false; refusal: Refusal } {
  if (typeof action !== 'object' || action === null || Array.isArray(action))
    return { ok: false, refusal: { status: 422, code: 'invalid_action', reason: 'An action must be a JSON object with a "type" field.' } };
  const { type, ...payload } = action as Record<string, unknown>;
  if (typeof type !== 'string')
    return { ok: false, refusal: { status: 422, code: 'invalid_action', reason: 'The action needs a "type" naming the event, e.g. "SUBMIT".' } };
  const spec = Object.hasOwn(kind.events, type) ? kind.events[type] : undefined;
  if (!spec)
    return {
      ok: false,
      refusal: { status: 422, code: 'unknown_event', reason: `"${type.slice(0, 60)}" is not an event of ${kind.name}; its events are ${Object.keys(kind.events).join(', ')}.` },
    };
  const parsed = spec.schema.safeParse(payload);
  if (!parsed.success)
    return { ok: false, refusal: { status: 422, code: 'invalid_payload', reason: `${type} payload is invalid: ${describeIssues(parsed.error)}.` } };
  return { ok: true, type, payload: parsed.data as Record<string, unknown> };
}

/** 403: may this actor send this event on this partner's process (R72)? A decision names its review by `subject` when there are several. */
export function authorize(kind: ProcessKind, snapshot: AnyMachineSnapshot, type: string, actor: Actor, payload: Record<string, unknown> = {}): Refusal | undefined {
  const spec = kind.events[type];
  // An event nobody may send is the outcome of the process's own work (`perform`), which the driver delivers.
  if (spec.roles.length === 0)
    return { status: 403, code: 'reported_by_process', reason: `${type} reports the outcome of the process's own work; nobody sends it.` };
  if (!spec.roles.includes(actor.role))
    return { status: 403, code: 'role_not_allowed', reason: `${type} can be sent only by ${spec.roles.join(' or ')}; you act as ${actor.role}.` };
  const context = snapshot.context as { partnerId: string; customerId?: string } & Partial<Reviewing>;
  if (actor.role === 'partner' && actor.partnerId !== context.partnerId)
    return { status: 403, code: 'not_your_process', reason: 'A partner can act only on its own processes.' };
  // A customer acts only on the processes about its own account, with the partner it is associated with.
  if (actor.role === 'customer' && (actor.customerId === undefined || actor.customerId !== context.customerId || actor.partnerId !== context.partnerId))
    return { status: 403, code: 'not_your_process', reason: 'A customer can act only on processes about its own account.' };
  const subject = typeof payload.subject === 'string' ? payload.subject : soleReview;
  if (spec.decision) return fourEyes(context.reviews?.[subject], actor);
  return undefined;
}

/**
 * R72, four-eyes: nobody decides a review they submitted, and a delegate deciding for a reviewer away
 * decides nothing that reviewer submitted (neither of the two may decide what either submitted).
 */
export function fourEyes(review: Pick<PendingReview, 'submittedBy'> | undefined, actor: Actor): Refusal | undefined {
  const submittedBy = review?.submittedBy;
  if (submittedBy === undefined) return undefined;
  if (submittedBy === actor.id) return { status: 403, code: 'four_eyes', reason: 'Nobody may review their own submission; another reviewer must decide.' };
  if (actor.onBehalfOf !== undefined && submittedBy === actor.onBehalfOf)
    return { status: 403, code: 'four_eyes', reason: `${actor.onBehalfOf} submitted this, so nobody may decide it on their behalf; another reviewer must decide.` };
  return undefined;
}

/** R72 for a whole process (a reviewer taking its review into their hands): the first of its pending reviews the actor may not decide. */
export function fourEyesAny(reviews: Record<string, Pick<PendingReview, 'submittedBy'>> | undefined, actor: Actor): Refusal | undefined {
  for (const review of Object.values(reviews ?? {})) {
    const refusal = fourEyes(review, actor);
    if (refusal) return refusal;
  }
  return undefined;
}

/** The state nodes a snapshot is in, deepest first, parallel regions included. */
export function activeNodes(snapshot: AnyMachineSnapshot): AnyStateNode[] {
  const nodes: AnyStateNode[] = [];
  const walk = (node: AnyStateNode, value: StateValue) => {
    if (typeof value === 'string') nodes.push(node.states[value]);
    else for (const [key, sub] of Object.entries(value)) walk(node.states[key], sub as StateValue);
    if (node !== snapshot.machine.root) nodes.push(node);
  };
  walk(snapshot.machine.root, snapshot.value);
  nodes.push(snapshot.machine.root);
  return nodes;
}

/** 409: why the state does not take this event now: a named precondition's reason, or the state itself (R24). */
export function explainRefusal(kind: ProcessKind, snapshot: AnyMachineSnapshot, event: StampedEvent): Refusal {
  for (const node of activeNodes(snapshot)) {
    for (const transition of node.on?.[event.type] ?? []) {
      const guard = transition.guard;
      const name = typeof guard === 'string' ? guard : (guard as { type?: string } | undefined)?.type;
      const why = name ? kind.preconditions[name]?.({ context: snapshot.context, event }) : undefined;
      if (why) return { status: 409, ...why };
    }
  }
  const state = labelOf(kind, snapshot);
  // Each allowed event with the values it needs now, e.g. `APPLY {"milestone":2}` or `APPROVE {"subject":"joint-design"}`.
  const allowed = Object.keys(kind.events).flatMap((type) =>
    variants(kind, snapshot, type)
      .filter((params) => snapshot.can({ ...params, ...stampless, type }))
      .map((params) => (params ? `${type} ${JSON.stringify(params)}` : type)),
  );
  return {
    status: 409,
    code: 'not_allowed_in_state',
    reason: `${event.type} is not allowed while the process is "${state.en}" (${state['zh-CN']}); allowed now: ${allowed.join(', ') || 'nothing'}.`,
  };
}

/** The whole validator: 422, 403, 409 in that order. Pure: the same inputs always give the same verdict. */
export function judge(kind: ProcessKind, snapshot: AnyMachineSnapshot, action: unknown, actor: Actor, at: string): Verdict {
  const parsed = parseAction(kind, action);
  if (!parsed.ok) return parsed;
  const forbidden = authorize(kind, snapshot, parsed.type, actor, parsed.payload);
  if (forbidden) return { ok: false, refusal: forbidden };
  const event: StampedEvent = { ...parsed.payload, type: parsed.type, actor, at };
  if (snapshot.status !== 'active') return refuse(409, 'process_ended', 'This process has ended; nothing more can be done on it.');
  if (!snapshot.can(event)) return { ok: false, refusal: explainRefusal(kind, snapshot, event) };
  return { ok: true, event };
}

const stampless = { actor: { id: '', role: 'system' as Role }, at: '' };

/** The values a guard expects for this event now: one set, or one per meaning (e.g. per pending review). */
const variants = (kind: ProcessKind, snapshot: AnyMachineSnapshot, type: string): Array<Record<string, unknown> | undefined> => {
  const suggested = kind.suggest?.(snapshot, type);
  return Array.isArray(suggested) ? suggested : [suggested];
};

/** What this caller can do now (R24), with the values a guard expects. */
export function allowedActions(kind: ProcessKind, snapshot: AnyMachineSnapshot, actor: Actor) {
  if (snapshot.status !== 'active') return [];
  return Object.entries(kind.events).flatMap(([type, spec]) =>
    variants(kind, snapshot, type)
      .filter((params) => !authorize(kind, snapshot, type, actor, params) && snapshot.can({ ...params, type, actor, at: '' }))
      .map((params) => ({ type, label: spec.label, params })),
  );
}

/** A state value as one string: `review.pending`, parallel regions joined by ` | `. */
export function stateKey(value: StateValue): string {
  if (typeof value === 'string') return value;
  return Object.entries(value)
    .map(([key, sub]) => (typeof sub === 'string' || Object.keys(sub as object).length <= 1 ? `${key}.${stateKey(sub as StateValue)}` : `${key}.(${stateKey(sub as StateValue)})`))
    .join(' | ');
}

/** The label a person reads: the kind's own description, else the active leaf states' labels joined in the order of the machine's regions. */
export function labelOf(kind: ProcessKind, snapshot: AnyMachineSnapshot): Labels {
  const precise = kind.describe?.(snapshot);
  if (precise) return precise;
  const labels = activeNodes(snapshot)
    .filter((node) => node.type !== 'compound' && node.type !== 'parallel')
    .map((node) => (node.meta as { label?: Labels } | undefined)?.label)
    .filter((l): l is Labels => !!l);
  return { en: labels.map((l) => l.en).join('; '), 'zh-CN': labels.map((l) => l['zh-CN']).join('；') };
}

/** Whose move it is, from the active states' `waitsFor:<role>` tags (for the inbox); parallel regions may wait for several. */
export function waitingFor(snapshot: AnyMachineSnapshot): Role[] {
  if (snapshot.status !== 'active') return [];
  return [...snapshot.tags]
    .filter((t) => t.startsWith('waitsFor:'))
    .map((t) => t.slice('waitsFor:'.length) as Role)
    .sort();
}

/** When the earliest pending review is due, or null when no review is pending. */
export function reviewDueAt(snapshot: AnyMachineSnapshot): string | null {
  if (snapshot.status !== 'active') return null;
  const reviews = Object.values((snapshot.context as Partial<Reviewing>).reviews ?? {});
  return reviews.map((r) => r.dueAt).sort()[0] ?? null;
}
