import { useState } from 'preact/hooks';
import type { Page, TaskItem } from '../../../api/schemas';
import { api, type Me } from '../api';
import { ErrorBox, Loading, processHash, useLoad } from '../common';
import { useI18n } from '../i18n';
import { kinds } from '../kinds';
import { localTime } from '../time';
import { BulkResults, type BulkResult } from './BulkResults';

/**
 * What waits for the caller, oldest first (`GET /v1/tasks`), with due times and who holds each review.
 * A reviewer ticks several and decides them with one comment (`POST /v1/tasks/decisions`); each answers on its own.
 */
export function Inbox({ me }: { me: Me }) {
  const { t, pick } = useI18n();
  const { value, error: loadError, reload } = useLoad(async () => {
    const [page, all] = await Promise.all([api<Page<TaskItem>>('GET', '/v1/tasks?limit=100'), kinds()]);
    return { items: page.items, all };
  }, []);
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [comment, setComment] = useState('');
  const [results, setResults] = useState<BulkResult[]>();
  const reviewing = me.role === 'reviewer';

  const hold = async (id: string, what: 'claim' | 'release') => {
    setError(undefined);
    try {
      await api('POST', `/v1/tasks/${encodeURIComponent(id)}/${what}`, {});
    } catch (err) {
      setError(err);
    }
    reload();
  };
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (!next.delete(id)) next.add(id);
    setSelected(next);
  };
  /** Each ticked item with the review its decision names (the first pending one the API offers), and the version seen. */
  const decideSelected = async (type: 'APPROVE' | 'REJECT') => {
    setError(undefined);
    const items = value!.items
      .filter((p) => selected.has(p.id))
      .map((p) => {
        const subject = (p.allowedActions as Array<{ type: string; params?: { subject?: string } }>).find((a) => a.type === type)?.params?.subject;
        return { processId: p.id, type, version: p.version, ...(subject ? { subject } : {}) };
      });
    try {
      const reply = await api<{ results: BulkResult[] }>('POST', '/v1/tasks/decisions', { items, ...(comment.trim() ? { comment: comment.trim() } : {}) }, {
        headers: { 'idempotency-key': crypto.randomUUID() },
      });
      setResults(reply.results);
      setSelected(new Set());
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
              {reviewing && (
                <th>
                  <input
                    type="checkbox"
                    aria-label={t('selectAll')}
                    data-testid="select-all"
                    checked={selected.size > 0 && selected.size === value.items.length}
                    onChange={(e) => setSelected(e.currentTarget.checked ? new Set(value.items.map((p) => p.id)) : new Set())}
                  />
                </th>
              )}
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
              <tr data-process={p.id} data-claimed-by={p.task.claimedBy ?? ''} data-on-behalf-of={p.task.onBehalfOf ?? ''}>
                {reviewing && (
                  <td>
                    <input type="checkbox" name="select" value={p.id} checked={selected.has(p.id)} onChange={() => toggle(p.id)} />
                  </td>
                )}
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
                <td>
                  {p.task.claimedBy ?? '—'}
                  {p.task.onBehalfOf && (
                    <div>
                      <span class="badge" data-testid="for">
                        {t('forReviewer')} {p.task.onBehalfOf}
                      </span>
                    </div>
                  )}
                </td>
                <td>
                  <div class="row">
                    {me.role === 'reviewer' && p.task.role === 'reviewer' && p.task.claimedBy !== me.id && !p.task.onBehalfOf && <button onClick={() => hold(p.id, 'claim')}>{t('claim')}</button>}
                    {p.task.claimedBy && (p.task.claimedBy === me.id || p.task.onBehalfOf || me.role === 'ops') && <button onClick={() => hold(p.id, 'release')}>{t('release')}</button>}
                    <a href={processHash(p.id)}>{t('open')}</a>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {reviewing && value && value.items.length > 0 && (
        <div class="card bulk" data-testid="bulk">
          <h2>
            {t('decideSelected')} ({selected.size})
          </h2>
          <label>
            <span>{t('comment')}</span>
            <textarea name="bulk-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          </label>
          <div class="row">
            <button class="primary" data-bulk="APPROVE" disabled={selected.size === 0} onClick={() => decideSelected('APPROVE')}>
              {t('approveSelected')}
            </button>
            <button class="danger" data-bulk="REJECT" disabled={selected.size === 0} onClick={() => decideSelected('REJECT')}>
              {t('rejectSelected')}
            </button>
          </div>
        </div>
      )}
      {results && <BulkResults results={results} />}
    </section>
  );
}
