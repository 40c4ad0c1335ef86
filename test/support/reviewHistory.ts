import type { Store } from '../../store/db';
import type { ProcessRow, TransitionRecord } from '../../store/model';

/**
 * A month of decided reviews as the records store holds them after a month of work: processes of four
 * kinds, each submitted by its partner and decided by one of four reviewers, some late, one on behalf of
 * a colleague away. The review-time report reads them like any other records (a fixed pseudo-random
 * sequence, so every run draws the same month).
 */
export async function seedReviewMonth(store: Store, now = Date.now()) {
  let seed = 17;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const kinds = [
    { kind: 'business-certification', from: 'underReview', to: 'certified', submit: 'SUBMIT', decide: 'APPROVE', pace: 1 },
    { kind: 'nre-milestones', from: 'underReview', to: 'open', submit: 'APPLY', decide: 'APPROVE', pace: 1.8 },
    { kind: 'delivery-evaluation', from: 'underEvaluation', to: 'passed', submit: 'SUBMIT_EVIDENCE', decide: 'CONCLUDE', pace: 2.6 },
    { kind: 'role-certification', from: 'underReview', to: 'certified', submit: 'SUBMIT', decide: 'APPROVE', pace: 0.7 },
  ];
  const reviewers = ['li.reviewer', 'wang.reviewer', 'zhou.prereviewer', 'zhao.reviewer'];
  const day = 24 * 3600 * 1000;
  for (let i = 0; i < 36; i++) {
    const k = kinds[i % kinds.length];
    const reviewer = reviewers[Math.floor(random() * reviewers.length)];
    const submitted = now - (3 + random() * 25) * day;
    const decided = Math.min(now - 3600_000, submitted + (0.1 + random() * 2.5 * k.pace) * day);
    const id = `${k.kind}:history-${i}:month`;
    const at = (t: number) => new Date(t).toISOString();
    const records: TransitionRecord[] = [
      { processId: id, seq: 0, at: at(submitted - 3600_000), actorId: `partner-${i}@history`, role: 'partner', event: 'START', from: null, to: 'notSubmitted' },
      { processId: id, seq: 1, at: at(submitted), actorId: `partner-${i}@history`, role: 'partner', event: k.submit, from: 'notSubmitted', to: k.from },
      {
        processId: id,
        seq: 2,
        at: at(decided),
        actorId: reviewer,
        ...(i === 5 ? { onBehalfOf: 'zhao.reviewer' } : {}),
        role: 'reviewer',
        event: k.decide,
        from: k.from,
        to: k.to,
      },
    ];
    const view: ProcessRow = {
      id,
      kind: k.kind,
      kindVersion: 1,
      partnerId: `history-${i}`,
      customerId: null,
      businessKey: 'month',
      state: k.to,
      stateValue: k.to,
      context: { settings: { review: { due: { workingDays: 3 }, remindBeforeMs: 86_400_000 }, payment: { reminderMs: 86_400_000 } } },
      label: { en: 'Decided', 'zh-CN': '已审核' },
      done: false,
      version: 2,
      waitingFor: [],
      dueAt: null,
      startedBy: `partner-${i}@history`,
      createdAt: records[0].at,
      updatedAt: records[2].at,
    };
    await store.saveStep({ view, records, notifications: [] });
  }
}
