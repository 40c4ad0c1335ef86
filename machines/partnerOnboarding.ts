import { assign, setup } from 'xstate';
import { z } from 'zod';
import { guardsFrom, type EventsOf, type FactEvent, type ProcessKind, type StartInput } from './kind';
import {
  approve,
  comment,
  isNewFactAmong,
  notify,
  reject,
  reviewSetup,
  tellPartnerApproved,
  tellPartnerRejected,
  underReview,
  withdraw,
  withFact,
  type Commented,
  type Reviewing,
} from './review';
import { label, materialsSchema, type Materials, type PartnerFacts } from './types';

/** Solution-provider enrollment (解决方案提供商): verify, bind email, apply, be reviewed (R1, R2, R4). */

const input = z.strictObject({
  companyName: z.string().trim().min(1).max(200),
  contactEmail: z.email().max(254).optional(),
});

const programs = ['solution-provider'] as const;
const programLabel = label('Solution provider partner program application', '解决方案提供商伙伴计划申请');

const events = {
  REAL_NAME_VERIFIED: {
    schema: z.strictObject({}),
    roles: ['system', 'ops'],
    label: label('Enterprise real-name verification completed', '企业实名认证完成'),
  },
  BIND_EMAIL: {
    schema: z.strictObject({ email: z.email().max(254) }),
    roles: ['partner'],
    label: label('Bind email', '绑定邮箱'),
  },
  SUBMIT: {
    schema: z.strictObject({
      program: z.enum(programs),
      level: z.string().trim().min(1).max(100).optional(),
      materials: materialsSchema.optional(),
      note: comment.optional(),
    }),
    roles: ['partner'],
    label: label('Apply to the partner program', '申请伙伴计划'),
  },
  APPROVE: approve,
  REJECT: reject,
  WITHDRAW: withdraw,
} as const;

interface Context extends Reviewing, Commented {
  processId: string;
  partnerId: string;
  companyName: string;
  facts: PartnerFacts;
  email?: string;
  /** What the partner applied for (R4: program, level, status). */
  application?: { program: (typeof programs)[number]; level?: string; materials: Materials; at: string };
}

type Event = EventsOf<typeof events> | FactEvent;

/** What the partner is told of a decision. */
const messages = {
  approved: ({ event }: { event: { type: string; comment?: string } }) => tellPartnerApproved(programLabel, event.comment),
  rejected: ({ event }: { event: { type: string; comment?: string } }) => tellPartnerRejected(programLabel, event.comment!),
};

const preconditions = {
  readyToApply: ({ context }: { context: Context }) => {
    const missing = [
      !context.facts.realNameVerified && 'enterprise real-name verification',
      !context.facts.emailBound && 'email binding',
    ].filter(Boolean);
    return missing.length
      ? {
          code: 'prerequisites_unmet',
          reason: `An enterprise can apply to become a solution-provider partner only after enterprise real-name verification and email binding; still missing: ${missing.join(' and ')}.`,
        }
      : undefined;
  },
};

const review = reviewSetup<Context, Event>();

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<z.infer<typeof input>> },
  guards: { ...guardsFrom(preconditions), isNewFact: isNewFactAmong(['realNameVerified', 'emailBound']) },
  actions: {
    ...review.actions,
    rememberFact: assign({ facts: ({ context, event }) => withFact(context.facts, event) }),
    rememberRealName: assign({ facts: ({ context }) => ({ ...context.facts, realNameVerified: true }) }),
    rememberEmail: assign(({ context, event }) =>
      event.type === 'BIND_EMAIL' ? { email: event.email, facts: { ...context.facts, emailBound: true } } : {},
    ),
    rememberApplication: assign(({ event }) =>
      event.type === 'SUBMIT'
        ? { application: { program: event.program, level: event.level, materials: event.materials ?? [], at: event.at } }
        : {},
    ),
  },
  delays: review.delays,
}).createMachine({
  id: 'partner-onboarding',
  context: ({ input }) => ({
    processId: input.processId,
    partnerId: input.partnerId,
    companyName: input.input.companyName,
    facts: input.facts,
    settings: input.settings,
    reviews: {},
  }),
  initial: 'registered',
  on: { FACT: { guard: 'isNewFact', actions: 'rememberFact' } },
  states: {
    registered: {
      meta: { label: label('Registered: verify the enterprise and bind an email, then apply', '已注册：完成企业实名认证并绑定邮箱后申请') },
      tags: ['waitsFor:partner'],
      on: {
        REAL_NAME_VERIFIED: { actions: ['rememberRealName', { type: 'announce', params: { fact: 'realNameVerified', value: true } }] },
        BIND_EMAIL: {
          actions: ['rememberEmail', { type: 'announce', params: ({ event }) => ({ fact: 'emailBound' as const, value: true, email: event.email }) }],
        },
        SUBMIT: { guard: 'readyToApply', target: 'underReview', actions: 'rememberApplication' },
        WITHDRAW: 'withdrawn',
      },
    },
    underReview: underReview({
      label: label('Application under review', '申请审核中'),
      what: () => programLabel,
      on: {
        APPROVE: { target: 'approved', actions: ['rememberComment', notify(messages.approved)] },
        REJECT: { target: 'rejected', actions: ['rememberComment', notify(messages.rejected)] },
        WITHDRAW: 'withdrawn',
      },
    }),
    rejected: {
      meta: { label: label('Application not approved: correct it and resubmit', '申请审核不通过：修改后可重新提交') },
      tags: ['waitsFor:partner'],
      on: {
        SUBMIT: { target: 'underReview', actions: 'rememberApplication' },
        WITHDRAW: 'withdrawn',
      },
    },
    approved: { type: 'final', meta: { label: label('Solution provider partner', '已成为解决方案提供商合作伙伴') } },
    withdrawn: { type: 'final', meta: { label: label('Application withdrawn', '申请已撤回') } },
  },
});

export const partnerOnboarding: ProcessKind = {
  name: 'partner-onboarding',
  version: 1,
  title: label('Solution provider onboarding', '解决方案提供商入驻'),
  machine,
  input,
  startRoles: ['partner'],
  oncePerPartner: true,
  events,
  preconditions,
  suggest: (_, type) => (type === 'SUBMIT' ? { program: 'solution-provider' } : undefined),
  partnerSeed: (start: z.infer<typeof input>) => ({ companyName: start.companyName, contactEmail: start.contactEmail }),
};
