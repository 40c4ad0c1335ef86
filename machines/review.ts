import { assign, type EventObject } from 'xstate';
import { z } from 'zod';
import type { EventSpec, ProcessSettings } from './kind';
import { beijingClock, reviewDueAt } from './time';
import { label, type Actor, type Announcement, type Labels, type NotifyParams, type PartnerFacts } from './types';

/**
 * The reviewed submission that most kinds are made of: a partner submits, the submission waits under
 * review (reviewers reminded before it is due, ops told once it is overdue), a reviewer approves or
 * rejects it with a comment, and a rejected one can be corrected and submitted again. Machines compose
 * it from `reviewSetup` (the bookkeeping, spread into `setup`) and `underReview` (the state a submission
 * waits in); their own files then hold only what is particular to them, as a table.
 */

/** The effects a machine asks for: they do nothing inside the machine; the driver runs them as activities. */
export const effects = {
  notify: (_: unknown, _params: NotifyParams) => {},
  announce: (_: unknown, _params: Announcement) => {},
};

/** A message, as a machine's transition asks for it: `notify(messages.approved)`. */
export const notify = <P extends NotifyParams | ((args: any) => NotifyParams)>(params: P) => ({ type: 'notify' as const, params });

/** The partner's facts after an announcement from another process (R10); other events change nothing. */
export const withFact = (facts: PartnerFacts, event: { type: string } & Partial<Announcement>): PartnerFacts =>
  event.type === 'FACT' && event.fact && event.fact !== 'roleCertified' && facts[event.fact] !== (event as { value: boolean }).value
    ? { ...facts, [event.fact]: (event as { value: boolean }).value }
    : facts;

/**
 * A guard: a fact is an event only when the process uses it and it changes what the process knows, so
 * repeats and unrelated facts leave no record and do not move the version.
 */
export const isNewFactAmong =
  (used: ReadonlyArray<keyof PartnerFacts>) =>
  ({ context, event }: { context: { facts: PartnerFacts }; event: { type: string } & Partial<Announcement> }) =>
    used.includes(event.fact as keyof PartnerFacts) && withFact(context.facts, event) !== context.facts;

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

/** What a reviewed process remembers of the last decision, for the partner to read (R2, R13, R21). */
export interface Commented {
  lastComment?: string;
}

/** The same for a process with several reviews side by side: each review's latest comment (R21). */
export interface CommentedPerReview<S extends string = string> {
  comments: Partial<Record<S, string>>;
}

/** The reviews after a submission by `by` at `at`: this one is pending from then, due per the deployment's settings. */
export const withReviewOpened = (context: Reviewing, by: { actor: Actor; at: string }, subject = soleReview): Reviewing['reviews'] => ({
  ...context.reviews,
  [subject]: { submittedBy: by.actor.id, since: by.at, dueAt: reviewDueAt(by.at, context.settings.review.due) },
});

/** The reviews after a decision or withdrawal: this one is no longer pending. */
export const withReviewClosed = (context: Reviewing, subject = soleReview): Reviewing['reviews'] =>
  Object.fromEntries(Object.entries(context.reviews).filter(([name]) => name !== subject));

/** Who submitted and when: the event's sender, or, for a review pending from the start, whoever started the process. */
const submission = (event: { type: string; actor?: Actor; at?: string; input?: { startedBy: Actor; at: string } }) =>
  event.type === 'xstate.init' ? { actor: event.input!.startedBy, at: event.input!.at } : { actor: event.actor!, at: event.at! };

/** `reviewReminder` for the sole review, `jointDesignReviewReminder` for the `joint-design` review. */
const delayName = (subject: string, what: 'Reminder' | 'Overdue') =>
  subject === soleReview ? `review${what}` : `${subject.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())}Review${what}`;

/**
 * The two `after` delays of a pending review, measured from its submission: remind the reviewers
 * before it is due, tell ops once it is overdue. Leaving the state (a decision) cancels both.
 */
const reviewDelays = (subject: string) => {
  const until = (context: Reviewing, before: number) => {
    const review = context.reviews[subject];
    return review ? Math.max(0, Date.parse(review.dueAt) - before - Date.parse(review.since)) : 0;
  };
  return {
    [delayName(subject, 'Reminder')]: ({ context }: { context: Reviewing }) => until(context, context.settings.review.remindBeforeMs),
    [delayName(subject, 'Overdue')]: ({ context }: { context: Reviewing }) => until(context, 0),
  };
};

/**
 * What a reviewed kind spreads into `setup`: the effects, opening and closing its reviews (one way: on
 * entering `underReview`), remembering the decision's comment (per review where there are several), and the
 * review delays of each review.
 */
export const reviewSetup = <C extends Reviewing, E extends EventObject>(...subjects: string[]) => ({
  actions: {
    ...effects,
    openReview: assign<C, E, { subject: string }, E, never>(({ context, event }, { subject }) => ({ reviews: withReviewOpened(context, submission(event as any), subject) }) as Partial<C>),
    closeReview: assign<C, E, { subject: string }, E, never>(({ context }, { subject }) => ({ reviews: withReviewClosed(context, subject) }) as Partial<C>),
    // The decision's comment: as `lastComment`, or, given a review's subject, as that review's in `comments`.
    rememberComment: assign<C, E, { subject?: string } | undefined, E, never>(({ context, event }, params) => {
      const { type, comment } = event as { type: string; comment?: string };
      const decided = type === 'APPROVE' || type === 'REJECT';
      if (params?.subject === undefined) return { lastComment: decided ? comment : undefined } as unknown as Partial<C>;
      const { comments } = context as unknown as CommentedPerReview;
      return { comments: decided ? { ...comments, [params.subject]: comment } : comments } as unknown as Partial<C>;
    }),
  },
  delays: Object.assign({}, ...(subjects.length ? subjects : [soleReview]).map(reviewDelays)) as Record<string, (args: { context: C }) => number>,
});

/** The due time of a pending review, for the messages about it. */
export const dueAt = (context: Reviewing, subject = soleReview): string | undefined => context.reviews[subject]?.dueAt;

/**
 * The state a submission waits in for a reviewer's decision: it opens the review on entry and tells the
 * reviewers, reminds them before it is due, tells ops once it is overdue, and closes the review on exit.
 * `what` names the submission in the messages; `on` holds the decisions.
 */
export function underReview<C, On>(opts: { label: Labels; what: (context: C) => Labels; on: On; subject?: string }) {
  const subject = opts.subject ?? soleReview;
  const params = { subject };
  return {
    meta: { label: opts.label },
    tags: ['waitsFor:reviewer'],
    entry: [{ type: 'openReview' as const, params }, notify(({ context }: { context: C }) => tellReviewers(opts.what(context)))],
    exit: { type: 'closeReview' as const, params },
    after: {
      [delayName(subject, 'Reminder')]: { actions: notify(({ context }: { context: C }) => remindReviewers(opts.what(context), dueAt(context as Reviewing, subject))) },
      [delayName(subject, 'Overdue')]: { actions: notify(({ context }: { context: C }) => escalateToOps(opts.what(context), dueAt(context as Reviewing, subject)!)) },
    },
    on: opts.on,
  };
}

const message = (audience: NotifyParams['audience'], topic: NotifyParams['topic'], subject: Labels, body: Labels): NotifyParams => ({ audience, topic, subject, body });

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
