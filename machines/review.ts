import { z } from 'zod';
import type { EventSpec, ProcessSettings } from './kind';
import { beijingClock, reviewDueAt } from './time';
import { label, type Actor, type Announcement, type Labels, type NotifyParams, type PartnerFacts } from './types';

/** Pieces every reviewed process shares: the effects, the decision events, pending reviews and their messages. */

/** The effects a machine asks for: they do nothing inside the machine; the driver runs them as activities. */
export const effects = {
  notify: (_: unknown, _params: NotifyParams) => {},
  announce: (_: unknown, _params: Announcement) => {},
};

/** The partner's facts after an announcement from another process (R10); other events change nothing. */
export const withFact = (facts: PartnerFacts, event: { type: string } & Partial<Announcement>): PartnerFacts =>
  event.type === 'FACT' && event.fact && event.fact !== 'roleCertified' && facts[event.fact] !== (event as { value: boolean }).value
    ? { ...facts, [event.fact]: (event as { value: boolean }).value }
    : facts;

export const comment = z.string().trim().min(1).max(2000);

export const approve = {
  schema: z.strictObject({ comment: comment.optional() }),
  roles: ['reviewer'] as const,
  label: label('Approve', '审核通过'),
  decision: true as const,
} satisfies EventSpec;

export const reject = {
  // The partner reads the comment to correct the submission (R2, R13, R21): it is required.
  schema: z.strictObject({ comment }),
  roles: ['reviewer'] as const,
  label: label('Reject', '驳回'),
  decision: true as const,
} satisfies EventSpec;

export const withdraw = {
  schema: z.strictObject({}),
  roles: ['partner'] as const,
  label: label('Withdraw', '撤回'),
} satisfies EventSpec;

const message = (
  audience: NotifyParams['audience'],
  topic: NotifyParams['topic'],
  subject: Labels,
  body: Labels,
): NotifyParams => ({ audience, topic, subject, body });

export const tellReviewers = (what: Labels): NotifyParams =>
  message(
    'reviewers',
    'actionNeeded',
    label(`Review needed: ${what.en}`, `待审核：${what['zh-CN']}`),
    label(`A partner submitted ${what.en}. Please review it.`, `合作伙伴提交了${what['zh-CN']}，请审核。`),
  );

export const remindReviewers = (what: Labels, dueAt?: string): NotifyParams =>
  message(
    'reviewers',
    'reminder',
    label(`Reminder: ${what.en} is still waiting for review`, `提醒：${what['zh-CN']}仍在等待审核`),
    label(
      `${what.en} has been waiting for a review decision${dueAt ? `; it is due at ${beijingClock(dueAt)}` : ''}.`,
      `${what['zh-CN']}正在等待审核结论${dueAt ? `，截止时间 ${beijingClock(dueAt)}` : ''}。`,
    ),
  );

export const tellPartnerApproved = (what: Labels, comment?: string): NotifyParams =>
  message(
    'partner',
    'reviewOutcome',
    label(`Approved: ${what.en}`, `审核通过：${what['zh-CN']}`),
    label(
      `Your ${what.en} was approved.${comment ? ` Comment: ${comment}` : ''}`,
      `您的${what['zh-CN']}已审核通过。${comment ? `审核意见：${comment}` : ''}`,
    ),
  );

export const tellPartnerRejected = (what: Labels, comment: string): NotifyParams =>
  message(
    'partner',
    'reviewOutcome',
    label(`Not approved: ${what.en}`, `审核不通过：${what['zh-CN']}`),
    label(
      `Your ${what.en} was not approved. Comment: ${comment}. You can correct it and submit again.`,
      `您的${what['zh-CN']}审核不通过。审核意见：${comment}。您可以修改后重新提交。`,
    ),
  );

/**
 * A guard: a fact is an event only when the process uses it and it changes what the process knows, so
 * repeats and unrelated facts leave no record and do not move the version.
 */
export const isNewFactAmong =
  (used: ReadonlyArray<keyof PartnerFacts>) =>
  ({ context, event }: { context: { facts: PartnerFacts }; event: { type: string } & Partial<Announcement> }) =>
    used.includes(event.fact as keyof PartnerFacts) && withFact(context.facts, event) !== context.facts;

/** The review of a process with one review at a time; kinds with several name each (e.g. `joint-design`). */
export const soleReview = 'submission';

/** A submission waiting for a reviewer's decision: who submitted it (four-eyes), since when, and when it is due. */
export interface PendingReview {
  submittedBy: string;
  since: string;
  dueAt: string;
}

/** What a machine with reviews keeps in its context; the driver and the inbox read it. */
export interface Reviewing {
  settings: ProcessSettings;
  reviews: Record<string, PendingReview>;
}

/** The reviews after a submission: this one is pending from now, due per the deployment's settings. */
export const withReviewOpened = (context: Reviewing, event: { actor: Actor; at: string }, subject = soleReview): Reviewing['reviews'] => ({
  ...context.reviews,
  [subject]: { submittedBy: event.actor.id, since: event.at, dueAt: reviewDueAt(event.at, context.settings.review.due) },
});

/** The reviews after a decision or withdrawal: this one is no longer pending. */
export const withReviewClosed = (context: Reviewing, subject = soleReview): Reviewing['reviews'] =>
  Object.fromEntries(Object.entries(context.reviews).filter(([name]) => name !== subject));

/**
 * The two `after` delays of a pending review, measured from its submission: remind the reviewers
 * before it is due, tell ops once it is overdue. Leaving the state (a decision) cancels both.
 */
export const reviewDelays = (subject = soleReview) => {
  const until = (context: Reviewing, before: number) => {
    const review = context.reviews[subject];
    return review ? Math.max(0, Date.parse(review.dueAt) - before - Date.parse(review.since)) : 0;
  };
  return {
    remind: ({ context }: { context: Reviewing }) => until(context, context.settings.review.remindBeforeMs),
    overdue: ({ context }: { context: Reviewing }) => until(context, 0),
  };
};

export const escalateToOps = (what: Labels, dueAt: string): NotifyParams =>
  message(
    'ops',
    'escalation',
    label(`Overdue review: ${what.en}`, `审核已超时：${what['zh-CN']}`),
    label(
      `${what.en} was due for a review decision at ${beijingClock(dueAt)} and is still waiting. Please find a reviewer for it.`,
      `${what['zh-CN']}应于 ${beijingClock(dueAt)} 前完成审核，至今仍在等待。请安排审核人员处理。`,
    ),
  );

/** The due time of a pending review, for the messages about it. */
export const dueAt = (context: Reviewing, subject = soleReview): string | undefined => context.reviews[subject]?.dueAt;

/**
 * The `after` transitions of a state where one review is pending: the reminder to reviewers and the
 * escalation to ops, at the delays `reviewDelays` computes (`reviewReminder`, `reviewOverdue` in setup).
 */
export const reviewTimers = <C extends Reviewing>(what: (context: C) => Labels) => ({
  reviewReminder: { actions: { type: 'notify' as const, params: ({ context }: { context: C }) => remindReviewers(what(context), dueAt(context)) } },
  reviewOverdue: { actions: { type: 'notify' as const, params: ({ context }: { context: C }) => escalateToOps(what(context), dueAt(context)!) } },
});
