import { useI18n } from './i18n';

/**
 * A horizontal bar chart of review times, drawn as SVG by the console itself: per row the median and
 * the 90th percentile in working hours, with how many were decided and how many late. No library: a
 * few rectangles and labels, scaled to the longest bar.
 */
export interface ChartRow {
  key: string;
  label: string;
  median: number;
  p90: number;
  decided: number;
  overdue: number;
  /** Decided on behalf of a reviewer away (per reviewer). */
  onBehalf?: number;
}

const width = 960;
const labelWidth = 260;
const countsWidth = 170;
const rowHeight = 44;
const barHeight = 14;
const top = 28;

export function ReviewChart({ title, rows, testid }: { title: string; rows: ChartRow[]; testid: string }) {
  const { t } = useI18n();
  const plot = width - labelWidth - countsWidth - 20;
  const max = Math.max(1, ...rows.map((r) => r.p90));
  // Round the scale up to a whole number of working days (9 hours), so the grid reads as days.
  const scaleMax = Math.ceil(max / 9) * 9;
  const x = (hours: number) => labelWidth + (hours / scaleMax) * plot;
  const ticks = Array.from({ length: scaleMax / 9 + 1 }, (_, i) => i * 9).filter((_, i, all) => all.length <= 8 || i % Math.ceil(all.length / 8) === 0);
  const height = top + rows.length * rowHeight + 24;
  return (
    <figure class="chart" data-testid={testid}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={title}>
        {ticks.map((h) => (
          <g class="tick">
            <line x1={x(h)} x2={x(h)} y1={top - 6} y2={height - 20} />
            <text x={x(h)} y={height - 6} text-anchor="middle">
              {h}h
            </text>
          </g>
        ))}
        <text class="head" x={width - countsWidth + 10} y={top - 10}>
          {t('decided')} · {t('late')}
        </text>
        {rows.map((r, i) => {
          const y = top + i * rowHeight;
          return (
            <g data-row={r.key} class="row">
              <text class="label" x={labelWidth - 10} y={y + barHeight + 4} text-anchor="end">
                {r.label}
              </text>
              <rect class="p90" data-bar="p90" data-value={r.p90} x={labelWidth} y={y + 4} width={Math.max(1, x(r.p90) - labelWidth)} height={barHeight * 2} rx="3" />
              <rect class="median" data-bar="median" data-value={r.median} x={labelWidth} y={y + 4 + barHeight / 2} width={Math.max(1, x(r.median) - labelWidth)} height={barHeight} rx="2" />
              <text class="value" x={x(r.p90) + 6} y={y + barHeight + 4}>
                {r.median.toFixed(1)}h / {r.p90.toFixed(1)}h
              </text>
              <text class="counts" x={width - countsWidth + 10} y={y + barHeight + 4}>
                {r.decided} · {r.overdue}
                {r.onBehalf ? ` · ${t('onBehalfShort')} ${r.onBehalf}` : ''}
              </text>
            </g>
          );
        })}
      </svg>
      <div class="legend">
        <span class="key median" /> {t('median')} <span class="key p90" /> {t('p90')} <span class="muted">({t('workingHoursNote')})</span>
      </div>
    </figure>
  );
}
