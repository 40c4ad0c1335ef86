import { useState } from 'preact/hooks';
import type { ReviewReportView } from '../../../api/schemas';
import { api } from '../api';
import { ReviewChart, type ChartRow } from '../chart';
import { ErrorBox, Loading, useLoad } from '../common';
import { useI18n } from '../i18n';
import { kinds } from '../kinds';
import { localTime } from '../time';

type Figures = ReviewReportView['total'];

/** A date on the partner center's calendar (GMT+08:00), `days` from today. */
const beijingDate = (days: number) => new Date(Date.now() + 8 * 3600_000 + days * 24 * 3600_000).toISOString().slice(0, 10);
const dayStart = (date: string) => `${date}T00:00:00+08:00`;

/** How long reviews take (`GET /v1/reports/reviews`, ops): per kind and per reviewer, as a chart. */
export function Report() {
  const { t, pick } = useI18n();
  const [from, setFrom] = useState(beijingDate(-29));
  const [to, setTo] = useState(beijingDate(0));
  const [kind, setKind] = useState('');
  const { value, error } = useLoad(async () => {
    const until = new Date(Date.parse(dayStart(to)) + 24 * 3600_000).toISOString();
    const query = new URLSearchParams({ from: new Date(dayStart(from)).toISOString(), to: until, ...(kind ? { kind } : {}) });
    const [report, all] = await Promise.all([api<ReviewReportView>('GET', `/v1/reports/reviews?${query}`), kinds()]);
    return { report, all };
  }, [from, to, kind]);

  const rows = (items: Array<Figures & { key: string; label: string; onBehalf?: number }>): ChartRow[] =>
    items.filter((i) => i.decided > 0).map((i) => ({ key: i.key, label: i.label, median: i.medianHours ?? 0, p90: i.p90Hours ?? 0, decided: i.decided, overdue: i.overdue, onBehalf: i.onBehalf }));

  return (
    <section data-testid="report">
      <h1>{t('report')}</h1>
      <div class="card row">
        <label>
          <span>{t('from')} (GMT+08:00)</span>
          <input type="date" name="from" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        </label>
        <label>
          <span>{t('until')} (GMT+08:00)</span>
          <input type="date" name="to" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        </label>
        <label>
          <span>{t('kind')}</span>
          <select name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">{t('allKinds')}</option>
            {value && [...value.all.values()].map((k) => <option value={k.kind}>{pick(k.title, k.kind)}</option>)}
          </select>
        </label>
      </div>
      <ErrorBox error={error} />
      {!value && !error && <Loading />}
      {value && (
        <>
          <p class="muted" data-testid="report-total">
            {localTime(value.report.fromLocal)} – {localTime(value.report.toLocal)}: {value.report.total.decided} {t('decided')}, {t('median')}{' '}
            {value.report.total.medianHours ?? '—'}h, {t('p90')} {value.report.total.p90Hours ?? '—'}h, {t('late')} {value.report.total.overdue}
          </p>
          {value.report.total.decided === 0 ? (
            <p class="muted">{t('nothingDecided')}</p>
          ) : (
            <>
              <ReviewChart
                testid="report-chart-kinds"
                title={t('byKind')}
                rows={rows(value.report.byKind.map((k) => ({ ...k, key: k.kind, label: pick(k.title, k.kind) })))}
              />
              <ReviewChart
                testid="report-chart-reviewers"
                title={t('byReviewer')}
                rows={rows(value.report.byReviewer.map((r) => ({ ...r, key: r.reviewer, label: r.reviewer })))}
              />
            </>
          )}
        </>
      )}
    </section>
  );
}
