import { z } from 'zod';
import type { EventSpec } from './kind';
import { label, type Announcement, type Labels, type NotifyParams, type PartnerFacts } from './types';

/** Pieces every reviewed process shares: the effects, the decision events and the messages around a review. */

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

export const remindReviewers = (what: Labels): NotifyParams =>
  message(
    'reviewers',
    'reminder',
    label(`Reminder: ${what.en} is still waiting for review`, `提醒：${what['zh-CN']}仍在等待审核`),
    label(`${what.en} has been waiting for a review decision.`, `${what['zh-CN']}正在等待审核结论。`),
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
