import { assign, setup } from 'xstate';
import { z } from 'zod';
import type { EventsOf, ProcessKind, StartInput } from './kind';
import { comment, notify, reviewSetup, underReview, withdraw, type Reviewing } from './review';
import { label, materialsSchema, type Labels, type Materials, type NotifyParams } from './types';

/**
 * Project delivery evaluation (项目交付评价, R30–R32): on a project whose delivery materials are
 * submitted, the partner feeds back evidence materials, as often as the reviewer asks for more; the
 * reviewer's conclusion ends the process.
 */

/** What reviewers are asked to evaluate, named by the project. */
const evidenceOf = (context: { project: string }) => label(`delivery evidence for ${context.project}`, `项目${context.project}的交付举证材料`);

const input = z.strictObject({
  project: z.string().trim().min(1).max(200),
  // R30: the evaluation works only on a project whose delivery materials are submitted.
  materials: materialsSchema.min(1, 'the project must have its delivery materials submitted: at least one item'),
});

const events = {
  SUBMIT_EVIDENCE: {
    schema: z.strictObject({ evidence: materialsSchema.min(1, 'name at least one evidence item with its link'), note: comment.optional() }),
    roles: ['partner'],
    label: label('Feed back evidence materials', '反馈举证材料'),
  },
  REQUEST_MORE: {
    schema: z.strictObject({ comment }),
    roles: ['reviewer'],
    label: label('Ask for more evidence', '要求补充举证材料'),
    decision: true,
  },
  CONCLUDE: {
    schema: z.strictObject({ result: z.enum(['passed', 'failed']), comment: comment.optional() }),
    roles: ['reviewer'],
    label: label('Conclude the evaluation', '完成评价'),
    decision: true,
  },
  WITHDRAW: withdraw,
} as const;

interface Context extends Reviewing {
  processId: string;
  partnerId: string;
  project: string;
  materials: Materials;
  /** Every round of evidence the partner fed back, oldest first. */
  evidence: Array<{ items: Materials; note?: string; at: string }>;
  /** What the reviewer asked for each time, oldest first. */
  requests: Array<{ comment: string; at: string }>;
  conclusion?: { result: 'passed' | 'failed'; comment?: string; at: string };
}

type Event = EventsOf<typeof events>;

const toPartner = (subjectLine: Labels, body: Labels): NotifyParams => ({ audience: 'partner', topic: 'reviewOutcome', subject: subjectLine, body });
type Args = { context: Context; event: { type: string; comment?: string } };

/** What the partner is told: more evidence asked for, the conclusion. */
const messages = {
  askedForMore: ({ context, event }: Args) =>
    toPartner(
      label(`More evidence needed: ${context.project}`, `需补充举证材料：${context.project}`),
      label(`The reviewer asks for more delivery evidence on ${context.project}: ${event.comment}`, `评审人要求补充项目${context.project}的交付举证材料：${event.comment}`),
    ),
  concluded:
    (result: 'passed' | 'failed') =>
    ({ context, event }: Args) =>
      toPartner(
        result === 'passed'
          ? label(`Delivery evaluation passed: ${context.project}`, `交付评价通过：${context.project}`)
          : label(`Delivery evaluation not passed: ${context.project}`, `交付评价不通过：${context.project}`),
        label(
          `The delivery evaluation of ${context.project} is concluded: ${result}.${event.comment ? ` Comment: ${event.comment}` : ''}`,
          `项目${context.project}的交付评价已完成：${result === 'passed' ? '通过' : '不通过'}。${event.comment ? `评价意见：${event.comment}` : ''}`,
        ),
      ),
};

const review = reviewSetup<Context, Event>();

const machine = setup({
  types: { context: {} as Context, events: {} as Event, input: {} as StartInput<z.infer<typeof input>> },
  guards: {
    isPassed: ({ event }) => event.type === 'CONCLUDE' && event.result === 'passed',
  },
  actions: {
    ...review.actions,
    rememberEvidence: assign({
      evidence: ({ context, event }) => (event.type === 'SUBMIT_EVIDENCE' ? [...context.evidence, { items: event.evidence, note: event.note, at: event.at }] : context.evidence),
    }),
    rememberRequest: assign({
      requests: ({ context, event }) => (event.type === 'REQUEST_MORE' ? [...context.requests, { comment: event.comment, at: event.at }] : context.requests),
    }),
    rememberConclusion: assign({
      conclusion: ({ context, event }) => (event.type === 'CONCLUDE' ? { result: event.result, comment: event.comment, at: event.at } : context.conclusion),
    }),
  },
  delays: review.delays,
}).createMachine({
  id: 'delivery-evaluation',
  context: ({ input }) => ({
    processId: input.processId,
    partnerId: input.partnerId,
    settings: input.settings,
    reviews: {},
    project: input.input.project,
    materials: input.input.materials,
    evidence: [],
    requests: [],
  }),
  initial: 'materialsSubmitted',
  on: { WITHDRAW: '.withdrawn' },
  states: {
    materialsSubmitted: {
      meta: { label: label('Delivery materials submitted: feed back evidence materials', '交付材料提交') },
      tags: ['waitsFor:partner'],
      on: { SUBMIT_EVIDENCE: { target: 'underEvaluation', actions: 'rememberEvidence' } },
    },
    underEvaluation: underReview({
      label: label('Evidence under evaluation', '交付评价中'),
      what: evidenceOf,
      on: {
        REQUEST_MORE: { target: 'moreEvidenceRequested', actions: ['rememberRequest', notify(messages.askedForMore)] },
        CONCLUDE: [
          { guard: 'isPassed', target: 'passed', actions: ['rememberConclusion', notify(messages.concluded('passed'))] },
          { target: 'failed', actions: ['rememberConclusion', notify(messages.concluded('failed'))] },
        ],
      },
    }),
    moreEvidenceRequested: {
      meta: { label: label('More evidence requested', '待补充举证材料') },
      tags: ['waitsFor:partner'],
      on: { SUBMIT_EVIDENCE: { target: 'underEvaluation', actions: 'rememberEvidence' } },
    },
    // R32: a concluded evaluation has ended; nothing more can be submitted.
    passed: { type: 'final', meta: { label: label('Evaluation concluded: passed', '评价完成：通过') } },
    failed: { type: 'final', meta: { label: label('Evaluation concluded: not passed', '评价完成：不通过') } },
    withdrawn: { type: 'final', meta: { label: label('Withdrawn', '已撤回') } },
  },
});

export const deliveryEvaluation: ProcessKind = {
  name: 'delivery-evaluation',
  version: 1,
  title: label('Project delivery evaluation', '项目交付评价'),
  machine,
  input,
  startRoles: ['partner'],
  oncePerPartner: false,
  events,
  preconditions: {},
};
