import { useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { ErrorBox, Loading, processHash, useLoad } from '../common';
import { useI18n } from '../i18n';
import { kinds } from '../kinds';
import { localTime } from '../time';

/** What waits for the caller, oldest first (`GET /v1/tasks`), with due times and who holds each review. */
export function Inbox({ me }: { me: Me }) {
  const { t, pick } = useI18n();
  const { value, error: loadError, reload } = useLoad(async () => {
    const [page, all] = await Promise.all([api('GET', '/v1/tasks?limit=100'), kinds()]);
    return { items: page.items as any[], all };
  }, []);
  const [error, setError] = useState<unknown>();
  const hold = async (id: string, what: 'claim' | 'release') => {
    setError(undefined);
    try {
      await api('POST', `/v1/tasks/${encodeURIComponent(id)}/${what}`, {});
    } catch (err) {
      setError(err);
    }
    reload();
  };
  return (
    <section>
      <h1>{t('inbox')}</h1>
      <ErrorBox error={loadError ?? error} />
      {!value && !loadError && <Loading />}
      {value && value.items.length === 0 && <p class="muted">{t('inboxEmpty')}</p>}
      {value && value.items.length > 0 && (
        <table data-testid="inbox">
          <thead>
            <tr>
              <th>{t('kind')}</th>
              <th>{t('partner')}</th>
              <th>{t('status')}</th>
              <th>{t('since')}</th>
              <th>{t('due')} (GMT+08:00)</th>
              <th>{t('claimedBy')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {value.items.map((p) => (
              <tr data-process={p.id} data-claimed-by={p.task.claimedBy ?? ''}>
                <td>
                  <a href={processHash(p.id)}>{pick(value.all.get(p.kind)?.title, p.kind)}</a>
                  {p.businessKey && <div class="muted">{p.businessKey}</div>}
                </td>
                <td>{p.partnerId}</td>
                <td>{pick(p.label)}</td>
                <td>{localTime(p.task.sinceLocal)}</td>
                <td>
                  {localTime(p.task.dueAtLocal)} {p.task.overdue && <span class="badge overdue">{t('overdue')}</span>}
                </td>
                <td>{p.task.claimedBy ?? '—'}</td>
                <td>
                  <div class="row">
                    {me.role === 'reviewer' && p.task.role === 'reviewer' && p.task.claimedBy !== me.id && (
                      <button onClick={() => hold(p.id, 'claim')}>{t('claim')}</button>
                    )}
                    {p.task.claimedBy && (p.task.claimedBy === me.id || me.role === 'ops') && <button onClick={() => hold(p.id, 'release')}>{t('release')}</button>}
                    <a href={processHash(p.id)}>{t('open')}</a>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
