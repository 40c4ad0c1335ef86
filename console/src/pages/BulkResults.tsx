import type { BulkResult } from '../../../api/schemas';
import { processHash } from '../common';
import { useI18n } from '../i18n';

export type { BulkResult };

/** What a bulk decision did, item by item: applied, or refused with the API's own reason. */
export function BulkResults({ results }: { results: BulkResult[] }) {
  const { t, field } = useI18n();
  const applied = results.filter((r) => r.ok).length;
  return (
    <div class="card" data-testid="bulk-results">
      <h2>
        {t('bulkOutcome')}: {applied} / {results.length}
      </h2>
      <table>
        <tbody>
          {results.map((r) => (
            <tr data-process={r.processId} data-ok={String(r.ok)} data-code={r.error?.code ?? ''}>
              <td>
                <a href={processHash(r.processId)}>{r.processId}</a>
                {r.subject && <div class="muted">{field(r.subject)}</div>}
              </td>
              <td>{r.ok ? <span class="badge done">{t('applied')}</span> : <span class="badge overdue">{t('refused')}</span>}</td>
              <td>
                {r.error ? (
                  <>
                    {r.error.reason} <code>{r.error.code}</code>
                  </>
                ) : (
                  `v${r.version}`
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
