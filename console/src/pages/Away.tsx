import { useState } from 'preact/hooks';
import type { DelegationView } from '../../../api/schemas';
import { api, type Me } from '../api';
import { ErrorBox, Loading, useLoad } from '../common';
import { useI18n } from '../i18n';
import { localTime } from '../time';

/** `2026-12-01T09:30` as typed in a date-time field, read on the partner center's clock (R70). */
const fromBeijing = (typed: string) => new Date(`${typed}:00+08:00`).toISOString();
const toBeijing = (date: Date) => new Date(date.getTime() + 8 * 3600_000).toISOString().slice(0, 16);

/**
 * Away: a reviewer (or ops, for any reviewer) names who stands in from when until when. Meanwhile the
 * reviews they hold and their reminders go to the delegate, who decides on their behalf (R71, R72).
 */
export function Away({ me }: { me: Me }) {
  const { t } = useI18n();
  const [reviewer, setReviewer] = useState(me.role === 'reviewer' ? me.id : '');
  const [to, setTo] = useState('');
  const [from, setFrom] = useState(toBeijing(new Date()));
  const [until, setUntil] = useState(toBeijing(new Date(Date.now() + 24 * 3600_000)));
  const [error, setError] = useState<unknown>();
  const { value, error: loadError, reload } = useLoad(
    async () => (reviewer ? (await api<{ items: DelegationView[] }>('GET', `/v1/reviewers/${encodeURIComponent(reviewer)}/delegations`)).items : []),
    [reviewer],
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api('PUT', `/v1/reviewers/${encodeURIComponent(reviewer)}/delegation`, { to: to.trim(), from: fromBeijing(from), until: fromBeijing(until) });
      reload();
    } catch (err) {
      setError(err);
    }
  };
  const cancel = async (id: string) => {
    setError(undefined);
    try {
      await api('DELETE', `/v1/reviewers/${encodeURIComponent(reviewer)}/delegations/${encodeURIComponent(id)}`);
    } catch (err) {
      setError(err);
    }
    reload();
  };

  return (
    <section>
      <h1>{t('away')}</h1>
      <p class="muted">{t('awayHint')}</p>
      <form class="card" data-testid="delegation-form" onSubmit={submit}>
        {me.role === 'ops' && (
          <label>
            <span>{t('reviewer')}</span>
            <input name="reviewer" required value={reviewer} onChange={(e) => setReviewer(e.currentTarget.value.trim())} />
          </label>
        )}
        <label>
          <span>{t('delegate')}</span>
          <input name="to" required value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <div class="row">
          <label>
            <span>{t('from')} (GMT+08:00)</span>
            <input name="from" type="datetime-local" required value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label>
            <span>{t('until')} (GMT+08:00)</span>
            <input name="until" type="datetime-local" required value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
          </label>
        </div>
        <ErrorBox error={error ?? loadError} />
        <button type="submit" class="primary">
          {t('setDelegate')}
        </button>
      </form>
      {!value && !loadError && reviewer && <Loading />}
      {value && value.length === 0 && <p class="muted">{t('noDelegations')}</p>}
      {value && value.length > 0 && (
        <table data-testid="delegations">
          <thead>
            <tr>
              <th>{t('reviewer')}</th>
              <th>{t('delegate')}</th>
              <th>{t('from')} (GMT+08:00)</th>
              <th>{t('until')} (GMT+08:00)</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {value.map((d) => (
              <tr data-delegation={d.id} data-to={d.to} data-active={String(d.active)}>
                <td>{d.reviewer}</td>
                <td>
                  {d.to} {d.active && <span class="badge">{t('activeNow')}</span>}
                </td>
                <td>{localTime(d.fromLocal)}</td>
                <td>{localTime(d.untilLocal)}</td>
                <td>
                  <button onClick={() => cancel(d.id)}>{t('cancel')}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
