import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Metrics } from './registry';

/**
 * Counts failed activity attempts by activity type (Temporal retries them: a send to a mail server
 * that is down, a database that is restarting). Measured at the activity's edge, so it does not depend
 * on what the driver does between activities. The SDK's own `temporal_activity_execution_failed` counts
 * the same per task queue; this one names the activity.
 */
export const activityFailureCounter =
  (metrics: Metrics): ActivityInterceptorsFactory =>
  (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        try {
          return await next(input);
        } catch (error) {
          metrics.activityFailures.inc({ activity: ctx.info.activityType });
          throw error;
        }
      },
    };
    return { inbound };
  };
