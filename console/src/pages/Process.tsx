import { useState } from 'preact/hooks';
import type { ProcessView, RecordView } from '../../../api/schemas';
import { api, processPath, type Me } from '../api';
import { ErrorBox, Loading, useLoad } from '../common';
import { Diagram } from '../diagram';
import { useI18n } from '../i18n';
import { kinds } from '../kinds';
import { stateLabel, type KindDescription } from '../model';
import { SchemaForm } from '../schemaForm';
import { localTime } from '../time';
import { ReviewHold } from './ReviewHold';

/** Decisions and moves that undo or refuse something get the warning colour. */
const negative = /^(REJECT|DECLINE|WITHDRAW|DISPUTE|CANCEL|UNSUBSCRIBE|REQUEST_MORE)/;

/** One process: where it is (label and diagram), what the caller can do now, and every record. */
export function ProcessPage({ id, me }: { id: string; me: Me }) {
  const { t, pick, role } = useI18n();
  const { value, error: loadError, setValue } = useLoad(async () => {
    const [view, all] = await Promise.all([api<ProcessView>('GET', processPath(id)), kinds()]);
    return { view, kind: all.get(view.kind) as KindDescription };
  }, [id]);
  const [error, setError] = useState<unknown>();
  if (loadError) return <ErrorBox error={loadError} />;
  if (!value) return <Loading />;
  const { view, kind } = value;

  const act = async (type: string, payload: Record<string, unknown>) => {
    setError(undefined);
    try {
      // If-Match: a page left open while someone else moved the process on is refused (412), not applied blindly.
      const next = await api<ProcessView>('POST', `${processPath(id)}/actions`, { type, ...payload }, { headers: { 'if-match': `"${view.version}"` } });
      setValue({ view: next, kind });
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section data-testid="process" data-state={view.state} data-version={view.version}>
      <p>
        <a href="#/processes">← {t('processes')}</a>
      </p>
      <h1>{pick(kind?.title, view.kind)}</h1>
      <p class="muted">
        {view.id} · {t('partner')}: {view.partnerId}
      </p>
      <div class="card">
        <div data-testid="status">
          <strong>{t('status')}:</strong> {pick(view.label)} {view.done && <span class="badge done">{t('done')}</span>}
        </div>
        {view.waitingFor.length > 0 && (
          <div class="muted">
            {t('waitingFor')}: {(view.waitingFor as string[]).map(role).join(', ')}
            {view.dueAtLocal && ` · ${t('due')} ${localTime(view.dueAtLocal)} (GMT+08:00)`}
          </div>
        )}
      </div>
      <ErrorBox error={error} />
      {(me.role === 'reviewer' || me.role === 'ops') && view.waitingFor.includes('reviewer') && <ReviewHold view={view} me={me} onError={setError} />}

      <h2>{t('actions')}</h2>
      {view.allowedActions.length === 0 ? (
        <p class="muted">{t('noActions')}</p>
      ) : (
        <div class="actions">
          {view.allowedActions.map((action) => {
            const spec = kind.events.find((e) => e.type === action.type);
            return (
              <SchemaForm
                key={`${view.version}:${action.type}:${JSON.stringify(action.params ?? {})}`}
                schema={spec?.payload ?? {}}
                fixed={action.params}
                submitLabel={pick(action.label, action.type)}
                tone={negative.test(action.type) ? 'danger' : 'primary'}
                onSubmit={(payload) => act(action.type, payload)}
                attrs={{ 'data-action': action.type, ...(typeof action.params?.subject === 'string' ? { 'data-subject': action.params.subject } : {}) }}
              >
                <h3>{pick(action.label, action.type)}</h3>
              </SchemaForm>
            );
          })}
        </div>
      )}

      <h2>{t('diagram')}</h2>
      <p class="muted">{t('diagramHint')}</p>
      {kind && <Diagram kind={kind} state={view.state} />}

      <h2>{t('timeline')}</h2>
      <Timeline records={view.records ?? []} kind={kind} />

      <h2>{t('data')}</h2>
      <details>
        <summary>data</summary>
        <pre>{JSON.stringify(view.data, null, 2)}</pre>
      </details>
    </section>
  );
}

function Timeline({ records, kind }: { records: RecordView[]; kind: KindDescription }) {
  const { lang, pick, role, t } = useI18n();
  return (
    <ol class="timeline" data-testid="timeline">
      {records.map((r) => (
        <li data-seq={r.seq} data-event={r.event}>
          <time>{localTime(r.atLocal)}</time> · <strong>{r.event === 'START' ? t('started') : pick(kind.events.find((e) => e.type === r.event)?.label, r.event)}</strong> ·{' '}
          <span data-testid="actor">
            {r.actor} ({role(r.role)})
            {r.onBehalfOf && (
              <>
                {' '}
                {t('onBehalfOf')} <span data-testid="on-behalf-of">{r.onBehalfOf}</span>
              </>
            )}
          </span>
          <div class="muted">
            {stateLabel(kind, r.from ?? '', lang) || '—'} → {stateLabel(kind, r.to, lang)}
          </div>
          {r.comment && (
            <div class="comment" data-testid="comment">
              {t('comment')}: {r.comment}
            </div>
          )}
          {r.reason && <div class="muted">{r.reason}</div>}
        </li>
      ))}
    </ol>
  );
}
