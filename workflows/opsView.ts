import { initialTransition, type AnyMachineSnapshot } from 'xstate';
import type { ProcessKind, StartInput } from '../machines/kind';
import { labelOf, reviewDueAt, stateKey, waitingFor } from '../machines/policy';
import { beijingClock } from '../machines/time';
import type { Labels, Role } from '../machines/types';
import { searchAttributeKeys } from './contract';

/**
 * What ops read about a process in the Temporal Web UI besides its history: search attributes to
 * filter by, and "current details" (user metadata, markdown) for the workflow's page. Pure, so the
 * driver stays deterministic and the client can compute the opening state's attributes.
 */
export interface OpsView {
  state: string;
  label: Labels;
  waitingFor: Role[];
  /** ISO UTC, or null when no review is pending. */
  dueAt: string | null;
  done: boolean;
}

export function opsViewOf(kind: ProcessKind, snapshot: AnyMachineSnapshot): OpsView {
  return {
    state: stateKey(snapshot.value),
    label: labelOf(kind, snapshot),
    waitingFor: waitingFor(snapshot),
    dueAt: reviewDueAt(snapshot),
    done: snapshot.status !== 'active',
  };
}

/**
 * The search attributes a new process starts with: those of the state its machine opens in with these
 * facts. The client, which cannot know the partner's facts for sure, passes none; the first step then
 * writes only what turned out otherwise.
 */
export function openingSearchAttributes(kind: ProcessKind, start: StartInput) {
  const [first] = initialTransition(kind.machine, start);
  const view = opsViewOf(kind, first);
  return [
    { key: searchAttributeKeys.state, value: view.state },
    ...(view.waitingFor.length ? [{ key: searchAttributeKeys.waitingFor, value: view.waitingFor }] : []),
    ...(view.dueAt ? [{ key: searchAttributeKeys.reviewDueAt, value: new Date(view.dueAt) }] : []),
  ];
}

/** The workflow page's "current details": markdown, both languages, times in GMT+08:00 (R70). */
export function opsDetails(kind: ProcessKind, view: OpsView, last: { seq: number; event: string; actor: string; at: string }): string {
  const lines = [
    `**${view.label['zh-CN']}** · ${view.label.en}`,
    `${kind.title['zh-CN']} · ${kind.title.en} — state \`${view.state}\`${view.done ? ' (ended · 已结束)' : ''}`,
    view.waitingFor.length ? `Waiting for · 等待: ${view.waitingFor.join(', ')}` : 'Waiting for nobody · 无待办',
  ];
  if (view.dueAt) lines.push(`Review due · 审核截止: ${beijingClock(view.dueAt)}`);
  lines.push(`Last step ${last.seq}: ${last.event} by ${last.actor} at ${beijingClock(last.at)}`);
  return lines.join('\n\n');
}

/** The fixed part of a process's memo and its one-line summary, written once when it starts. */
export function startMetadata(kind: ProcessKind, partnerId: string, businessKey: string | null) {
  const summary = `${kind.title['zh-CN']} · ${kind.title.en} — ${partnerId}${businessKey ? ` / ${businessKey}` : ''}`;
  return {
    memo: { title: kind.title, partner: partnerId, businessKey },
    staticSummary: summary,
    staticDetails: `**${kind.title['zh-CN']}** · ${kind.title.en}\n\nPartner · 合作伙伴: \`${partnerId}\`${businessKey ? `\n\nBusiness key · 业务编号: \`${businessKey}\`` : ''}\n\nKind: \`${kind.name}\` v${kind.version}`,
  };
}
