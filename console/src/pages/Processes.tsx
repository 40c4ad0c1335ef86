import type { Page, ProcessView } from '../../../api/schemas';
import { api, type Me } from '../api';
import { ErrorBox, Loading, processHash, useLoad } from '../common';
import { useI18n } from '../i18n';
import { kinds } from '../kinds';
import { localTime } from '../time';

/** The processes the caller may see (a partner: its own), newest first. */
export function Processes({ me }: { me: Me }) {
  const { t, pick, role } = useI18n();
  const { value, error } = useLoad(async () => {
    const [page, all] = await Promise.all([api<Page<ProcessView>>('GET', '/v1/processes?limit=100'), kinds()]);
    return { items: page.items, all };
  }, []);
  return (
    <section>
      <div class="row">
        <h1>{t('processes')}</h1>
        {value && [...value.all.values()].some((k) => k.startedBy.includes(me.role)) && (
          <a href="#/start">
            <button class="primary">{t('start')}</button>
          </a>
        )}
      </div>
      <ErrorBox error={error} />
      {!value && !error && <Loading />}
      {value && value.items.length === 0 && <p class="muted">{t('none')}</p>}
      {value && value.items.length > 0 && (
        <table data-testid="processes">
          <thead>
            <tr>
              <th>{t('kind')}</th>
              <th>{t('partner')}</th>
              <th>{t('status')}</th>
              <th>{t('waitingFor')}</th>
              <th>{t('updated')} (GMT+08:00)</th>
            </tr>
          </thead>
          <tbody>
            {value.items.map((p) => (
              <tr data-process={p.id}>
                <td>
                  <a href={processHash(p.id)}>{pick(value.all.get(p.kind)?.title, p.kind)}</a>
                  {p.businessKey && <div class="muted">{p.businessKey}</div>}
                </td>
                <td>{p.partnerId}</td>
                <td>
                  {pick(p.label)} {p.done && <span class="badge done">{t('done')}</span>}
                </td>
                <td>{(p.waitingFor as string[]).map(role).join(', ')}</td>
                <td>{localTime(p.updatedAtLocal)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
