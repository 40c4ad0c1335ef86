import { assign, setup } from 'xstate';
import { z } from 'zod';
import type { EventsOf, ProcessKind, StartInput } from '../kind';
import { approve, notify, reject, reviewSetup, tellPartnerApproved, tellPartnerRejected, underReview, withdraw, type Commented, type Reviewing } from '../review';
import { label, materialsSchema, type Materials } from '../types';

/**
 * Business-information certification (商业信息认证, R3): once per partner. When it passes, the partner's
 * other processes hear of it (NRE milestones wait on it, R10).
 */

export const input = z.strictObject({});
export const subject = label('business-information certification', '商业信息认证');

export const events = {
  SUBMIT: {
    schema: z.strictObject({ licenseNumber: z.string().trim().min(1).max(64), materials: materialsSchema.optional() }),
    roles: ['partner'],
    label: label('Submit business information', '提交商业信息'),
  },
  APPROVE: approve,
  REJECT: reject,
  WITHDRAW: withdraw,
} as const;

export interface Context extends Reviewing, Commented {
  processId: string;
  partnerId: string;
  submission?: { licenseNumber: string; materials: Materials; at: string };
}

type Event = EventsOf<typeof events>;
type Args = { event: { type: string; comment?: string } };

/** What the partner is told of a decision. */
export const messages = {
  approved: ({ event }: Args) => tellPartnerApproved(subject, event.comment),
  rejected: ({ event }: Args) => tellPartnerRejected(subject, event.comment!),
};

const review = reviewSetup<Context, Event>();

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<z.infer<typeof input>> },
  actions: {
    ...review.actions,
    rememberSubmission: assign(({ event }) =>
      event.type === 'SUBMIT' ? { submission: { licenseNumber: event.licenseNumber, materials: event.materials ?? [], at: event.at } } : {},
    ),
  },
  delays: review.delays,
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
    underReview: underReview({
      label: label('Business-information certification under review', '商业信息认证审核中'),
      what: () => subject,
      on: {
        APPROVE: { target: 'certified', actions: ['rememberComment', { type: 'announce', params: { fact: 'businessCertified', value: true } }, notify(messages.approved)] },
        REJECT: { target: 'rejected', actions: ['rememberComment', notify(messages.rejected)] },
        // Withdrawing takes back the submission, not the certification itself: it can be submitted again.
        WITHDRAW: 'notSubmitted',
      },
    }),
    rejected: {
      meta: { label: label('Certification not passed: correct and resubmit', '认证未通过：修改后可重新提交') },
      tags: ['waitsFor:partner'],
      on: { SUBMIT: { target: 'underReview', actions: 'rememberSubmission' } },
    },
    certified: { type: 'final', meta: { label: label('Business information certified', '商业信息认证通过') } },
  },
});

export const businessCertificationV1: ProcessKind = {
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
