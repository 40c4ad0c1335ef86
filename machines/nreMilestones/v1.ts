import { assign, setup } from 'xstate';
import { z } from 'zod';
import { guardsFrom, type EventsOf, type FactEvent, type ProcessKind, type StartInput } from '../kind';
import {
  approve,
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
} from '../review';
import { label, materialsSchema, type Materials, type PartnerFacts } from '../types';

/** NRE milestone acceptance (NRE里程碑验收): milestones 1 → 2 → 3, each reviewed, strictly in order (R10–R13). */

export const input = z.strictObject({ project: z.string().trim().min(1).max(200).optional() });

export const events = {
  APPLY: {
    schema: z.strictObject({ milestone: z.union([z.literal(1), z.literal(2), z.literal(3)]), materials: materialsSchema.optional() }),
    roles: ['partner'],
    label: label('Apply for milestone acceptance', '发起里程碑验收'),
  },
  APPROVE: approve,
  REJECT: reject,
  WITHDRAW: withdraw,
} as const;

export interface Context extends Reviewing, Commented {
  processId: string;
  partnerId: string;
  project?: string;
  facts: PartnerFacts;
  /** Highest milestone whose acceptance passed: 0 before the first. */
  accepted: 0 | 1 | 2 | 3;
  application?: { milestone: 1 | 2 | 3; materials: Materials; at: string };
}

type Event = EventsOf<typeof events> | FactEvent;
type Args = { context: Context; event: { type: string; comment?: string } };

export const milestoneLabel = (n: number) => label(`NRE milestone ${n} acceptance`, `NRE里程碑${n}验收`);
export const appliedFor = (context: Context) => milestoneLabel(context.application!.milestone);

/** What the partner is told of a decision. */
export const messages = {
  approved: ({ context, event }: Args) => tellPartnerApproved(appliedFor(context), event.comment),
  rejected: ({ context, event }: Args) => tellPartnerRejected(appliedFor(context), event.comment!),
};

export const preconditions = {
  mayApplyForMilestone: ({ context, event }: { context: Context; event: { milestone: number } }) => {
    if (!context.facts.businessCertified)
      return {
        code: 'business_certification_required',
        reason:
          'Milestone acceptance can be applied for only after business-information certification has passed; complete business-information certification first.',
      };
    const next = context.accepted + 1;
    if (event.milestone !== next)
      return {
        code: 'milestone_out_of_order',
        reason:
          event.milestone < next
            ? `Milestone ${event.milestone} has already been accepted; the next milestone to apply for is ${next}.`
            : `Milestone ${event.milestone} cannot be applied for before milestone ${next} has passed acceptance review; milestones are accepted in order 1, 2, 3.`,
      };
    return undefined;
  },
};

const review = reviewSetup<Context, Event>();

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<z.infer<typeof input>> },
  guards: {
    ...guardsFrom(preconditions),
    isNewFact: isNewFactAmong(['businessCertified']),
    isLastMilestone: ({ context }) => context.application?.milestone === 3,
  },
  actions: {
    ...review.actions,
    rememberFact: assign({ facts: ({ context, event }) => withFact(context.facts, event) }),
    rememberApplication: assign(({ event }) =>
      event.type === 'APPLY' ? { application: { milestone: event.milestone, materials: event.materials ?? [], at: event.at } } : {},
    ),
    acceptMilestone: assign({ accepted: ({ context }) => context.application!.milestone }),
    forgetApplication: assign({ application: undefined }),
  },
  delays: review.delays,
}).createMachine({
  id: 'nre-milestones',
  context: ({ input }) => ({
    processId: input.processId,
    partnerId: input.partnerId,
    project: input.input.project,
    facts: input.facts,
    settings: input.settings,
    accepted: 0,
    reviews: {},
  }),
  initial: 'open',
  on: { FACT: { guard: 'isNewFact', actions: 'rememberFact' } },
  states: {
    open: {
      meta: { label: label('Ready to apply for the next milestone', '待发起里程碑验收') },
      tags: ['waitsFor:partner'],
      on: {
        APPLY: { guard: 'mayApplyForMilestone', target: 'underReview', actions: 'rememberApplication' },
        WITHDRAW: 'withdrawn',
      },
    },
    underReview: underReview({
      label: label('Milestone acceptance under review', '里程碑验收审核中'),
      what: appliedFor,
      on: {
        APPROVE: [
          { guard: 'isLastMilestone', target: 'accepted', actions: ['acceptMilestone', 'rememberComment', notify(messages.approved)] },
          { target: 'open', actions: ['acceptMilestone', 'rememberComment', notify(messages.approved), 'forgetApplication'] },
        ],
        REJECT: { target: 'rejected', actions: ['rememberComment', notify(messages.rejected)] },
        WITHDRAW: { target: 'open', actions: 'forgetApplication' },
      },
    }),
    rejected: {
      meta: { label: label('Milestone acceptance not passed', '里程碑验收不通过') },
      tags: ['waitsFor:partner'],
      on: {
        APPLY: { guard: 'mayApplyForMilestone', target: 'underReview', actions: 'rememberApplication' },
        // Withdrawing a rejected application drops it; accepted milestones stay. Ending the process is done from `open`.
        WITHDRAW: { target: 'open', actions: 'forgetApplication' },
      },
    },
    accepted: { type: 'final', meta: { label: label('All milestones accepted', '里程碑验收全部通过') } },
    withdrawn: { type: 'final', meta: { label: label('Withdrawn', '已撤回') } },
  },
});

/** The label of the state, more precise: which milestone is under review, which was accepted. */
export const describe: ProcessKind['describe'] = (snapshot) => {
  const { application, accepted } = snapshot.context as Context;
  if (snapshot.matches('underReview')) return label(`Milestone ${application!.milestone} acceptance under review`, `里程碑${application!.milestone}验收审核中`);
  if (snapshot.matches('rejected')) return label(`Milestone ${application!.milestone} acceptance not passed`, `里程碑${application!.milestone}验收不通过`);
  if (snapshot.matches('open') && accepted > 0)
    return label(`Milestone ${accepted} accepted; ready to apply for milestone ${accepted + 1}`, `里程碑${accepted}验收通过，待发起里程碑${accepted + 1}验收`);
  return undefined;
};

export const nreMilestonesV1: ProcessKind = {
  name: 'nre-milestones',
  version: 1,
  title: label('NRE milestone acceptance', 'NRE里程碑验收'),
  machine,
  input,
  startRoles: ['partner'],
  oncePerPartner: false,
  events,
  preconditions,
  suggest: (snapshot, type) => (type === 'APPLY' ? { milestone: (snapshot.context as Context).accepted + 1 } : undefined),
  describe,
};
