import { assign, setup } from 'xstate';
import { z } from 'zod';
import type { EventsOf, ProcessKind, StartInput } from './kind';
import { approve, comment, notify, reject, reviewSetup, tellPartnerApproved, tellPartnerRejected, underReview, withdraw, type CommentedPerReview, type Reviewing } from './review';
import { label, type Labels } from './types';

/**
 * Project initiation review of a baseline solution (基线解决方案 · 立项, R20–R23). Two regions run side by
 * side: the solution's own initiation review, and joint design & verification (联合设计与验证), a
 * sub-process with its own apply → review → result that the partner may start in any initiation status.
 */

const subjects = ['initiation', 'joint-design'] as const;
type Subject = (typeof subjects)[number];

const what: Record<Subject, Labels> = {
  initiation: label('project initiation of the baseline solution', '基线解决方案立项'),
  'joint-design': label('joint design & verification', '联合设计与验证'),
};

const solution = z.string().trim().min(1).max(200);
const description = z.string().trim().min(1).max(5000);
const input = z.strictObject({ solution, description: description.optional() });

const events = {
  SUBMIT: {
    schema: z.strictObject({ solution, description: description.optional() }),
    roles: ['partner'],
    label: label('Resubmit the modified solution', '修改方案后重新提交'),
  },
  APPLY_JOINT_DESIGN: {
    schema: z.strictObject({ plan: z.string().trim().min(1).max(5000).optional() }),
    roles: ['partner'],
    label: label('Apply for joint design & verification', '申请联合设计与验证'),
  },
  // A reviewer names the review decided: both may be pending at once.
  APPROVE: { ...approve, schema: z.strictObject({ subject: z.enum(subjects), comment: comment.optional() }) },
  REJECT: { ...reject, schema: z.strictObject({ subject: z.enum(subjects), comment }) },
  WITHDRAW: withdraw,
} as const;

interface Context extends Reviewing, CommentedPerReview<Subject> {
  processId: string;
  partnerId: string;
  /** The solution as last submitted; the partner modifies it after a rejection (R21). */
  solution: { name: string; description?: string; at: string };
  jointDesign?: { plan?: string; at: string };
}

type Event = EventsOf<typeof events>;

type Args = { event: { type: string; comment?: string } };

/** What the partner is told of each review's decision. */
const messages = {
  approved: (subject: Subject) => ({ event }: Args) => tellPartnerApproved(what[subject], event.comment),
  rejected: (subject: Subject) => ({ event }: Args) => tellPartnerRejected(what[subject], event.comment!),
};

const review = reviewSetup<Context, Event>(...subjects);
/** Each review's decision comment is kept apart (R21): the shared action, given the review. */
const remember = (subject: Subject) => ({ type: 'rememberComment' as const, params: { subject } });

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<z.infer<typeof input>> },
  guards: {
    isAbout: ({ event }, params: { subject: Subject }) => (event.type === 'APPROVE' || event.type === 'REJECT') && event.subject === params.subject,
  },
  actions: {
    ...review.actions,
    rememberSolution: assign({
      solution: ({ context, event }) => (event.type === 'SUBMIT' ? { name: event.solution, description: event.description, at: event.at } : context.solution),
    }),
    rememberJointDesign: assign({ jointDesign: ({ context, event }) => (event.type === 'APPLY_JOINT_DESIGN' ? { plan: event.plan, at: event.at } : context.jointDesign) }),
  },
  delays: review.delays,
}).createMachine({
  id: 'initiation-review',
  // The application is the start itself: the initiation review is pending from the first moment (R20).
  context: ({ input }) => ({
    processId: input.processId,
    partnerId: input.partnerId,
    settings: input.settings,
    reviews: {},
    solution: { name: input.input.solution, description: input.input.description, at: input.at },
    comments: {},
  }),
  initial: 'open',
  states: {
    open: {
      type: 'parallel',
      on: { WITHDRAW: 'withdrawn' },
      // Ends when the initiation is complete and joint design has passed; complete alone stays open for joint design (R23).
      onDone: 'complete',
      states: {
        initiation: {
          initial: 'underReview',
          states: {
            underReview: underReview({
              subject: 'initiation',
              label: label('Initiation under review', '立项审核中'),
              what: () => what.initiation,
              on: {
                APPROVE: { guard: { type: 'isAbout', params: { subject: 'initiation' } }, target: 'complete', actions: [remember('initiation'), notify(messages.approved('initiation'))] },
                REJECT: { guard: { type: 'isAbout', params: { subject: 'initiation' } }, target: 'notPassed', actions: [remember('initiation'), notify(messages.rejected('initiation'))] },
              },
            }),
            notPassed: {
              meta: { label: label('Initiation review not passed', '立项审核不通过') },
              tags: ['waitsFor:partner'],
              on: {
                SUBMIT: { target: 'underReview', actions: 'rememberSolution' },
              },
            },
            complete: { type: 'final', meta: { label: label('Initiation complete', '立项完成') } },
          },
        },
        jointDesign: {
          initial: 'notApplied',
          states: {
            // Optional for the partner, so nobody is waited for here.
            notApplied: {
              meta: { label: label('Joint design & verification not applied for', '未申请联合设计与验证') },
              on: {
                APPLY_JOINT_DESIGN: { target: 'underReview', actions: 'rememberJointDesign' },
              },
            },
            underReview: underReview({
              subject: 'joint-design',
              label: label('Joint design & verification under review', '联合设计与验证审核中'),
              what: () => what['joint-design'],
              on: {
                APPROVE: { guard: { type: 'isAbout', params: { subject: 'joint-design' } }, target: 'passed', actions: [remember('joint-design'), notify(messages.approved('joint-design'))] },
                REJECT: { guard: { type: 'isAbout', params: { subject: 'joint-design' } }, target: 'notPassed', actions: [remember('joint-design'), notify(messages.rejected('joint-design'))] },
              },
            }),
            notPassed: {
              meta: { label: label('Joint design & verification not passed', '联合设计与验证不通过') },
              on: {
                APPLY_JOINT_DESIGN: { target: 'underReview', actions: 'rememberJointDesign' },
              },
            },
            passed: { type: 'final', meta: { label: label('Joint design & verification passed', '联合设计与验证通过') } },
          },
        },
      },
    },
    complete: { type: 'final', meta: { label: label('Initiation complete; joint design & verification passed', '立项完成，联合设计与验证通过') } },
    withdrawn: { type: 'final', meta: { label: label('Withdrawn', '已撤回') } },
  },
});

export const initiationReview: ProcessKind = {
  name: 'initiation-review',
  version: 1,
  title: label('Project initiation review', '基线解决方案立项审核'),
  machine,
  input,
  startRoles: ['partner'],
  oncePerPartner: false,
  events,
  preconditions: {},
  // A decision names the review it decides; each pending review is a separate allowed action.
  suggest: (_, type) => (type === 'APPROVE' || type === 'REJECT' ? subjects.map((subject) => ({ subject })) : undefined),
};
