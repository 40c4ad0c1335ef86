import { assign, setup } from 'xstate';
import { z } from 'zod';
import type { EventsOf, ProcessKind, StartInput } from './kind';
import {
  approve,
  comment,
  dueAt,
  effects,
  escalateToOps,
  reject,
  remindReviewers,
  reviewDelays,
  tellPartnerApproved,
  tellPartnerRejected,
  tellReviewers,
  withdraw,
  withReviewClosed,
  withReviewOpened,
  type Reviewing,
} from './review';
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

interface Context extends Reviewing {
  processId: string;
  partnerId: string;
  /** The solution as last submitted; the partner modifies it after a rejection (R21). */
  solution: { name: string; description?: string; at: string };
  jointDesign?: { plan?: string; at: string };
  /** The latest review comment of each review, for the partner to read (R21). */
  comments: Partial<Record<Subject, string>>;
}

type Event = EventsOf<typeof events>;

const initiationDelays = reviewDelays('initiation');
const jointDesignDelays = reviewDelays('joint-design');

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<z.infer<typeof input>> },
  guards: {
    isAbout: ({ event }, params: { subject: Subject }) => (event.type === 'APPROVE' || event.type === 'REJECT') && event.subject === params.subject,
  },
  actions: {
    ...effects,
    rememberSolution: assign({
      solution: ({ context, event }) => (event.type === 'SUBMIT' ? { name: event.solution, description: event.description, at: event.at } : context.solution),
    }),
    rememberJointDesign: assign({ jointDesign: ({ context, event }) => (event.type === 'APPLY_JOINT_DESIGN' ? { plan: event.plan, at: event.at } : context.jointDesign) }),
    rememberComment: assign({
      comments: ({ context, event }) => (event.type === 'APPROVE' || event.type === 'REJECT' ? { ...context.comments, [event.subject]: event.comment } : context.comments),
    }),
    openReview: assign({ reviews: ({ context, event }, params: { subject: Subject }) => withReviewOpened(context, event, params.subject) }),
    closeReview: assign({ reviews: ({ context }, params: { subject: Subject }) => withReviewClosed(context, params.subject) }),
  },
  delays: {
    initiationReviewReminder: initiationDelays.remind,
    initiationReviewOverdue: initiationDelays.overdue,
    jointDesignReviewReminder: jointDesignDelays.remind,
    jointDesignReviewOverdue: jointDesignDelays.overdue,
  },
}).createMachine({
  id: 'initiation-review',
  context: ({ input }) => {
    const base = { settings: input.settings, reviews: {} };
    return {
      processId: input.processId,
      partnerId: input.partnerId,
      settings: input.settings,
      // The application is the start itself: the initiation review is pending from the first moment (R20).
      reviews: withReviewOpened(base, { actor: input.startedBy, at: input.at }, 'initiation'),
      solution: { name: input.input.solution, description: input.input.description, at: input.at },
      comments: {},
    };
  },
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
            underReview: {
              meta: { label: label('Initiation under review', '立项审核中') },
              tags: ['waitsFor:reviewer'],
              entry: { type: 'notify', params: tellReviewers(what.initiation) },
              exit: { type: 'closeReview', params: { subject: 'initiation' } },
              after: {
                initiationReviewReminder: { actions: { type: 'notify', params: ({ context }) => remindReviewers(what.initiation, dueAt(context, 'initiation')) } },
                initiationReviewOverdue: { actions: { type: 'notify', params: ({ context }) => escalateToOps(what.initiation, dueAt(context, 'initiation')!) } },
              },
              on: {
                APPROVE: {
                  guard: { type: 'isAbout', params: { subject: 'initiation' } },
                  target: 'complete',
                  actions: ['rememberComment', { type: 'notify', params: ({ event }) => tellPartnerApproved(what.initiation, event.comment) }],
                },
                REJECT: {
                  guard: { type: 'isAbout', params: { subject: 'initiation' } },
                  target: 'notPassed',
                  actions: ['rememberComment', { type: 'notify', params: ({ event }) => tellPartnerRejected(what.initiation, event.comment) }],
                },
              },
            },
            notPassed: {
              meta: { label: label('Initiation review not passed', '立项审核不通过') },
              tags: ['waitsFor:partner'],
              on: {
                SUBMIT: { target: 'underReview', actions: ['rememberSolution', { type: 'openReview', params: { subject: 'initiation' } }] },
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
                APPLY_JOINT_DESIGN: { target: 'underReview', actions: ['rememberJointDesign', { type: 'openReview', params: { subject: 'joint-design' } }] },
              },
            },
            underReview: {
              meta: { label: label('Joint design & verification under review', '联合设计与验证审核中') },
              tags: ['waitsFor:reviewer'],
              entry: { type: 'notify', params: tellReviewers(what['joint-design']) },
              exit: { type: 'closeReview', params: { subject: 'joint-design' } },
              after: {
                jointDesignReviewReminder: {
                  actions: { type: 'notify', params: ({ context }) => remindReviewers(what['joint-design'], dueAt(context, 'joint-design')) },
                },
                jointDesignReviewOverdue: {
                  actions: { type: 'notify', params: ({ context }) => escalateToOps(what['joint-design'], dueAt(context, 'joint-design')!) },
                },
              },
              on: {
                APPROVE: {
                  guard: { type: 'isAbout', params: { subject: 'joint-design' } },
                  target: 'passed',
                  actions: ['rememberComment', { type: 'notify', params: ({ event }) => tellPartnerApproved(what['joint-design'], event.comment) }],
                },
                REJECT: {
                  guard: { type: 'isAbout', params: { subject: 'joint-design' } },
                  target: 'notPassed',
                  actions: ['rememberComment', { type: 'notify', params: ({ event }) => tellPartnerRejected(what['joint-design'], event.comment) }],
                },
              },
            },
            notPassed: {
              meta: { label: label('Joint design & verification not passed', '联合设计与验证不通过') },
              on: {
                APPLY_JOINT_DESIGN: { target: 'underReview', actions: ['rememberJointDesign', { type: 'openReview', params: { subject: 'joint-design' } }] },
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
