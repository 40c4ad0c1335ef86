import { assign, setup } from 'xstate';
import { z } from 'zod';
import type { EventsOf, ProcessKind, StartInput } from './kind';
import {
  approve,
  effects,
  reject,
  reviewDelays,
  reviewTimers,
  tellPartnerApproved,
  tellPartnerRejected,
  tellReviewers,
  withReviewClosed,
  withReviewOpened,
  withdraw,
  type Reviewing,
} from './review';
import { label, materialsSchema, type Materials } from './types';

/**
 * Business-information certification (商业信息认证, R3): once per partner. When it passes, the partner's
 * other processes hear of it (NRE milestones wait on it, R10).
 */

const input = z.strictObject({});
const subject = label('business-information certification', '商业信息认证');

const events = {
  SUBMIT: {
    schema: z.strictObject({ licenseNumber: z.string().trim().min(1).max(64), materials: materialsSchema.optional() }),
    roles: ['partner'],
    label: label('Submit business information', '提交商业信息'),
  },
  APPROVE: approve,
  REJECT: reject,
  WITHDRAW: withdraw,
} as const;

interface Context extends Reviewing {
  processId: string;
  partnerId: string;
  submission?: { licenseNumber: string; materials: Materials; at: string };
  lastComment?: string;
}

const machine = setup({
  types: { context: {} as Context, events: {} as EventsOf<typeof events>, input: {} as StartInput<z.infer<typeof input>> },
  actions: {
    ...effects,
    rememberSubmission: assign(({ event }) =>
      event.type === 'SUBMIT'
        ? { submission: { licenseNumber: event.licenseNumber, materials: event.materials ?? [], at: event.at } }
        : {},
    ),
    rememberComment: assign({ lastComment: ({ event }) => (event.type === 'APPROVE' || event.type === 'REJECT' ? event.comment : undefined) }),
    openReview: assign({ reviews: ({ context, event }) => withReviewOpened(context, event) }),
    closeReview: assign({ reviews: ({ context }) => withReviewClosed(context) }),
  },
  delays: { reviewReminder: reviewDelays().remind, reviewOverdue: reviewDelays().overdue },
}).createMachine({
  id: 'business-certification',
  context: ({ input }) => ({ processId: input.processId, partnerId: input.partnerId, settings: input.settings, reviews: {} }),
  initial: 'notSubmitted',
  states: {
    notSubmitted: {
      meta: { label: label('Not certified: submit business information', '未认证：待提交商业信息') },
      tags: ['waitsFor:partner'],
      on: { SUBMIT: { target: 'underReview', actions: 'rememberSubmission' } },
    },
    underReview: {
      meta: { label: label('Business-information certification under review', '商业信息认证审核中') },
      tags: ['waitsFor:reviewer'],
      entry: ['openReview', { type: 'notify', params: tellReviewers(subject) }],
      exit: 'closeReview',
      after: reviewTimers(() => subject),
      on: {
        APPROVE: {
          target: 'certified',
          actions: [
            'rememberComment',
            { type: 'announce', params: { fact: 'businessCertified', value: true } },
            { type: 'notify', params: ({ event }) => tellPartnerApproved(subject, event.comment) },
          ],
        },
        REJECT: { target: 'rejected', actions: ['rememberComment', { type: 'notify', params: ({ event }) => tellPartnerRejected(subject, event.comment) }] },
        // Withdrawing takes back the submission, not the certification itself: it can be submitted again.
        WITHDRAW: 'notSubmitted',
      },
    },
    rejected: {
      meta: { label: label('Certification not passed: correct and resubmit', '认证未通过：修改后可重新提交') },
      tags: ['waitsFor:partner'],
      on: { SUBMIT: { target: 'underReview', actions: 'rememberSubmission' } },
    },
    certified: { type: 'final', meta: { label: label('Business information certified', '商业信息认证通过') } },
  },
});

export const businessCertification: ProcessKind = {
  name: 'business-certification',
  version: 1,
  title: label('Business-information certification', '商业信息认证'),
  machine,
  input,
  startRoles: ['partner'],
  oncePerPartner: true,
  events,
  preconditions: {},
};
