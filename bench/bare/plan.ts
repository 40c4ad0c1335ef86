/**
 * What the product does for each event of the benchmark's two kinds, written out by hand: which
 * activities run and which review timers start or stop. The bare workflow follows this table instead
 * of a machine, so it pays for Temporal alone. Kept in step with machines/partnerOnboarding.ts and
 * machines/nreMilestones.ts (the benchmark checks both sides end with the same number of steps).
 */
export interface BareStep {
  /** The step tells the partner's other processes a fact (the product's `announce` activity). */
  announce?: boolean;
  /** The step queues messages, so a `sendNotifications` activity follows its record. */
  notify?: boolean;
  /** Review reminder and overdue timers: started on entering review, cancelled on leaving it. */
  timers?: 'start' | 'cancel';
}

export type BareKind = 'partner-onboarding' | 'nre-milestones';

export const barePlan: Record<BareKind, Record<string, BareStep>> = {
  'partner-onboarding': {
    REAL_NAME_VERIFIED: { announce: true },
    BIND_EMAIL: { announce: true },
    SUBMIT: { notify: true, timers: 'start' },
    APPROVE: { notify: true, timers: 'cancel' },
  },
  'nre-milestones': {
    APPLY: { notify: true, timers: 'start' },
    APPROVE: { notify: true, timers: 'cancel' },
  },
};

/** The last event of each lifecycle: onboarding's approval, NRE's third approval. */
export const endsAfter: Record<BareKind, { type: string; times: number }> = {
  'partner-onboarding': { type: 'APPROVE', times: 1 },
  'nre-milestones': { type: 'APPROVE', times: 3 },
};
