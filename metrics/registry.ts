import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The product's own metrics (Prometheus, prom-client), one registry per process: the API's requests and
 * refusals, action latency and time to decision at the edge, activity failures in the worker, and the
 * records store's outbox and inbox as gauges read at scrape time. The Temporal SDK's own metrics are
 * appended to the same `/metrics` answer (metrics/sdk.ts). docs/grafana-dashboard.json is built on these names.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  // Heap, CPU, event loop lag: for a real process only (a test process holds many products).
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'partnerflow_http_requests_total', help: 'HTTP requests answered, by method, route and status', labelNames: ['method', 'route', 'status'], registers }),
    refusals: new Counter({ name: 'partnerflow_http_refusals_total', help: 'Requests refused with { error: { code } }, and items of a bulk decision refused inside its 200, by route, status and code', labelNames: ['route', 'status', 'code'], registers }),
    requestSeconds: new Histogram({
      name: 'partnerflow_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers,
    }),
    actionSeconds: new Histogram({
      name: 'partnerflow_action_duration_seconds',
      help: 'Time to answer POST /v1/processes/:id/actions, by kind and outcome (applied, refused, unavailable, error)',
      labelNames: ['kind', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30],
      registers,
    }),
    decisionSeconds: new Histogram({
      name: 'partnerflow_decision_seconds',
      help: 'Time from a review becoming pending to a reviewer’s accepted decision (an action or a bulk decision’s item), by kind and event',
      labelNames: ['kind', 'event'],
      buckets: [60, 600, 3600, 4 * 3600, 8 * 3600, 86_400, 2 * 86_400, 3 * 86_400, 5 * 86_400, 10 * 86_400],
      registers,
    }),
    activityFailures: new Counter({ name: 'partnerflow_activity_failures_total', help: 'Activity attempts that failed (Temporal retries them), by activity', labelNames: ['activity'], registers }),
    outboxBacklog: new Gauge({ name: 'partnerflow_outbox_backlog', help: 'Messages in the outbox not (yet) sent, by channel and status', labelNames: ['channel', 'status'], registers }),
    outboxOldestAge: new Gauge({ name: 'partnerflow_outbox_oldest_unsent_age_seconds', help: 'Age of the oldest message not (yet) sent, by channel and status', labelNames: ['channel', 'status'], registers }),
    reviewsOpen: new Gauge({ name: 'partnerflow_reviews_open', help: 'Pending reviews (the reviewers’ inbox), by kind', labelNames: ['kind'], registers }),
    reviewsOverdue: new Gauge({ name: 'partnerflow_reviews_overdue', help: 'Pending reviews past their due time, by kind', labelNames: ['kind'], registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
