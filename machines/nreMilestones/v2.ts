import { assign } from 'xstate';
import { z } from 'zod';
import type { EventsOf, FactEvent, ProcessKind } from '../kind';
import { revise } from '../revise';
import { comment, notify } from '../review';
import { label, materialsSchema, type Materials } from '../types';
import * as v1 from './v1';

/**
 * NRE milestone acceptance, version 2 (2026-12): an application must carry at least one material item,
 * and the reviewer may ask for more materials before deciding (as delivery evaluation does); the partner
 * supplies them and the review starts again. Everything else is version 1.
 */

const materials = materialsSchema.min(1, 'attach at least one material item: the acceptance is reviewed on them');

export const events = {
  ...v1.events,
  APPLY: { ...v1.events.APPLY, schema: v1.events.APPLY.schema.extend({ materials }) },
  REQUEST_MORE: {
    schema: z.strictObject({ comment }),
    roles: ['reviewer'],
    label: label('Ask for more materials', '要求补充材料'),
    decision: true,
  },
  SUPPLY_MATERIALS: {
    schema: z.strictObject({ materials, note: comment.optional() }),
    roles: ['partner'],
    label: label('Supply the materials asked for', '补充验收材料'),
  },
} as const;

export interface Context extends v1.Context {
  /** What reviewers asked for before deciding, oldest first. */
  materialRequests: Array<{ milestone: 1 | 2 | 3; comment: string; at: string }>;
}

type Event = EventsOf<typeof events> | FactEvent;
type Args = { context: Context; event: Event };

const messages = {
  askedForMore: ({ context, event }: Args) => ({
    audience: 'partner' as const,
    topic: 'reviewOutcome' as const,
    subject: label(`More materials needed: ${v1.appliedFor(context).en}`, `需补充材料：${v1.appliedFor(context)['zh-CN']}`),
    body: label(
      `The reviewer asks for more materials before deciding on ${v1.appliedFor(context).en}: ${(event as { comment: string }).comment}`,
      `审核人在作出${v1.appliedFor(context)['zh-CN']}结论前要求补充材料：${(event as { comment: string }).comment}`,
    ),
  }),
};

const earlier = v1.nreMilestonesV1.machine;
const underReview = earlier.config.states!.underReview as { on: Record<string, unknown> };

const machine = revise(earlier, {
  context: (args) => ({ ...(earlier.config.context as (a: typeof args) => v1.Context)(args), materialRequests: [] }),
  states: {
    underReview: {
      ...underReview,
      on: { ...underReview.on, REQUEST_MORE: { target: 'moreMaterialsRequested', actions: ['rememberRequest', notify(messages.askedForMore)] } },
    },
    moreMaterialsRequested: {
      meta: { label: label('Milestone acceptance: more materials requested', '里程碑验收：待补充材料') },
      tags: ['waitsFor:partner'],
      on: {
        SUPPLY_MATERIALS: { target: 'underReview', actions: 'addMaterials' },
        WITHDRAW: { target: 'open', actions: 'forgetApplication' },
      },
    },
  },
  actions: {
    rememberRequest: assign(({ context, event }: Args) =>
      event.type === 'REQUEST_MORE'
        ? { lastComment: event.comment, materialRequests: [...context.materialRequests, { milestone: context.application!.milestone, comment: event.comment, at: event.at }] }
        : {},
    ),
    addMaterials: assign(({ context, event }: Args) =>
      event.type === 'SUPPLY_MATERIALS' ? { application: { ...context.application!, materials: [...context.application!.materials, ...event.materials] as Materials } } : {},
    ),
  },
});

export const nreMilestonesV2: ProcessKind = {
  ...v1.nreMilestonesV1,
  version: 2,
  machine,
  events,
  describe: (snapshot) => {
    const { application } = snapshot.context as Context;
    if (snapshot.matches('moreMaterialsRequested'))
      return label(`Milestone ${application!.milestone} acceptance: more materials requested`, `里程碑${application!.milestone}验收：待补充材料`);
    return v1.describe!(snapshot);
  },
  // Every state of version 1 is a state of version 2; back to version 1, the requests are dropped (a process waiting for more materials has no counterpart there).
  migrate: {
    up: ({ value, context }) => ({ value, context: { ...(context as v1.Context), materialRequests: [] } }),
    down: ({ value, context }) => {
      const { materialRequests: _, ...rest } = context as Context;
      return { value, context: rest };
    },
  },
};
