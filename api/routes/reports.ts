import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { kindOf, registry } from '../../machines/registry';
import { toBeijingTime } from '../../machines/time';
import type { Store } from '../../store/db';
import { HttpError } from '../errors';
import { reviewReport, workingDay } from '../reviewTimes';
import { answers, reviewReportSchema, type ReviewReportView } from '../schemas';

/**
 * `GET /v1/reports/reviews` (ops): how long reviews take, per kind and per reviewer, over decisions made
 * in [from, to): how many, the median and 90th percentile of working hours from submission to decision,
 * and how many were decided after their due time. Default: the last 30 days.
 */

const dayMs = 24 * 3600 * 1000;
const maxRangeMs = 366 * dayMs;

const query = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  kind: z.string().max(100).optional(),
});

const hh = (hour: number) => `${String(hour).padStart(2, '0')}:00`;

export const reportRoutes =
  (deps: { store: Store }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get('/reports/reviews', { schema: { querystring: query, response: answers({ 200: reviewReportSchema }), summary: 'Review times per kind and reviewer, in working hours (GMT+08:00)' } }, async (request): Promise<ReviewReportView> => {
      const { actor } = request;
      if (actor.role !== 'ops') throw new HttpError(403, 'role_not_allowed', `The review-time report is for ops; you act as ${actor.role}.`);
      const to = request.query.to ? new Date(request.query.to).toISOString() : new Date().toISOString();
      const from = request.query.from ? new Date(request.query.from).toISOString() : new Date(Date.parse(to) - 30 * dayMs).toISOString();
      if (from >= to) throw new HttpError(422, 'range_empty', `"from" (${toBeijingTime(from)}) must be before "to" (${toBeijingTime(to)}).`);
      if (Date.parse(to) - Date.parse(from) > maxRangeMs)
        throw new HttpError(422, 'range_too_long', `A report covers at most a year (366 days); ${toBeijingTime(from)} to ${toBeijingTime(to)} is ${Math.ceil((Date.parse(to) - Date.parse(from)) / dayMs)} days.`);
      const { kind } = request.query;
      if (kind !== undefined && !kindOf(kind))
        throw new HttpError(422, 'unknown_kind', `"${kind.slice(0, 100)}" is not a process kind; the kinds are ${Object.keys(registry).join(', ')}.`);

      const decisions = await deps.store.staff.listDecisions({ from, to, kind });
      const records = await deps.store.staff.recordsOf(decisions.map((d) => d.record.processId));
      const report = reviewReport(decisions, records);
      return {
        from,
        fromLocal: toBeijingTime(from),
        to,
        toLocal: toBeijingTime(to),
        ...(kind ? { kind } : {}),
        workingHours: { days: 'Monday–Friday', start: hh(workingDay.start), end: hh(workingDay.end), timeZone: 'GMT+08:00' },
        byKind: report.byKind.map((k) => ({ ...k, title: kindOf(k.kind)?.title ?? { en: k.kind, 'zh-CN': k.kind } })),
        byReviewer: report.byReviewer,
        total: report.total,
      };
    });
  };
