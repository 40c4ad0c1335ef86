/** A Prometheus text exposition read into series (`name{labels}` → value); comments skipped. */
export function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?)\s+(\S+)/.exec(line);
    if (match) series.set(match[1], Number(match[2]));
  }
  return series;
}

/** The samples of one metric name (`name` or `name{…}`), as text, so two scrapes can be compared. */
export function samplesOf(series: Map<string, number>, name: string): string {
  return [...series.entries()]
    .filter(([key]) => key === name || key.startsWith(`${name}{`))
    .map(([key, value]) => `${key} ${value}`)
    .sort()
    .join('\n');
}

export async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return parseMetrics(await response.text());
}

/** The metric names a Grafana dashboard's queries use (histograms by their series: `_bucket`, `_count`). */
export function dashboardMetricNames(dashboard: { panels: Array<{ targets?: Array<{ expr: string }> }> }): string[] {
  const names = new Set<string>();
  for (const panel of dashboard.panels) for (const target of panel.targets ?? []) for (const [name] of target.expr.matchAll(/\b(?:partnerflow|temporal|process|nodejs)_[a-z0-9_]+/g)) names.add(name);
  return [...names].sort();
}
