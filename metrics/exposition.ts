import type { Metrics } from './registry';
import { sdkMetricsText } from './sdk';

export const contentType = 'text/plain; version=0.0.4; charset=utf-8';

/** The whole `/metrics` answer of a process: its own metrics (gauges read first) and the SDK's. */
export async function metricsText(metrics: Metrics, refresh?: () => Promise<void>): Promise<string> {
  if (refresh) await refresh().catch(() => undefined); // a store that does not answer leaves the gauges as they were
  const [own, sdk] = await Promise.all([metrics.registry.metrics(), sdkMetricsText()]);
  return sdk ? `${own.trimEnd()}\n${sdk}` : own;
}
