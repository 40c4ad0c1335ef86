import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorBox, Loading, processHash, useLoad } from '../common';
import { useI18n } from '../i18n';
import { kinds } from '../kinds';
import type { KindDescription, Migration, MigrationPlan } from '../model';

/**
 * Ops move a kind's open processes to another version: first the plan (dry run: who moves, who stays and
 * why, whose past the new rules would have refused), then the migration itself, followed as it runs.
 */
export function Migrations() {
  const { t, pick } = useI18n();
  const { value: all, error: loadError } = useLoad(() => kinds(), []);
  const [kind, setKind] = useState('nre-milestones');
  const [to, setTo] = useState<number | undefined>();
  const [versions, setVersions] = useState<Array<{ version: number; open: number }>>([]);
  const [plan, setPlan] = useState<MigrationPlan>();
  const [running, setRunning] = useState<Migration>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    setPlan(undefined);
    api<KindDescription>(`GET`, `/v1/kinds/${encodeURIComponent(kind)}`).then(
      (k) => {
        setVersions(k.versions ?? []);
        setTo(k.version);
      },
      setError,
    );
  }, [kind]);

  // A running migration is followed until it is done.
  useEffect(() => {
    if (!running || running.status === 'done') return;
    const timer = setTimeout(() => api<Migration>('GET', `/v1/migrations/${running.id}`).then(setRunning, setError), 1000);
    return () => clearTimeout(timer);
  }, [running]);

  const dryRun = async () => {
    setError(undefined);
    setRunning(undefined);
    try {
      setPlan(await api<MigrationPlan>('POST', '/v1/migrations', { kind, to, dryRun: true }));
    } catch (err) {
      setError(err);
    }
  };
  const migrate = async () => {
    setError(undefined);
    try {
      const { id } = await api<{ id: string }>('POST', '/v1/migrations', { kind, to });
      setRunning(await api<Migration>('GET', `/v1/migrations/${id}`));
    } catch (err) {
      setError(err);
    }
  };

  if (!all) return loadError ? <ErrorBox error={loadError} /> : <Loading />;
  const moves = plan?.items.filter((i) => i.verdict === 'moves').length ?? 0;
  return (
    <section>
      <h1>{t('migrations')}</h1>
      <p class="muted">{t('migrationsHint')}</p>
      <div class="row">
        <label>
          {t('kind')}{' '}
          <select name="kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
            {[...all.values()].map((k) => (
              <option value={k.kind}>{pick(k.title, k.kind)}</option>
            ))}
          </select>
        </label>
        <label>
          {t('toVersion')}{' '}
          <select name="to" value={to} onChange={(e) => setTo(Number((e.target as HTMLSelectElement).value))}>
            {versions.map((v) => (
              <option value={v.version}>
                v{v.version} ({v.open} {t('openProcesses')})
              </option>
            ))}
          </select>
        </label>
        <button data-testid="dry-run" onClick={dryRun}>
          {t('dryRun')}
        </button>
        <button data-testid="migrate" disabled={!plan || moves === 0} onClick={migrate}>
          {t('migrateNow')}
        </button>
      </div>
      <ErrorBox error={error} />
      {running && (
        <p data-testid="progress" data-status={running.status}>
          {running.status === 'done' ? t('migrationDone') : t('migrationRunning')} · {t('moved')} {running.moved} · {t('stayed')} {running.stayed} · {t('failed')}{' '}
          {running.failed} · {t('pending')} {running.pending}
        </p>
      )}
      {plan && (
        <table data-testid="plan">
          <thead>
            <tr>
              <th>{t('process')}</th>
              <th>{t('fromVersion')}</th>
              <th>{t('status')}</th>
              <th>{t('verdict')}</th>
              <th>{t('whyOrWhere')}</th>
              <th>{t('whatIf')}</th>
            </tr>
          </thead>
          <tbody>
            {plan.items.map((i) => (
              <tr data-process={i.processId} data-verdict={i.verdict}>
                <td>
                  <a href={processHash(i.processId)}>{i.processId}</a>
                </td>
                <td>{i.fromVersion === null ? '' : `v${i.fromVersion}`}</td>
                <td>{i.state}</td>
                <td>
                  <span class={`badge ${i.verdict}`}>{t(i.verdict)}</span>
                </td>
                <td>{i.verdict === 'moves' ? i.toState : i.reason}</td>
                <td>{i.whatIf?.firstDifference ? `#${i.whatIf.firstDifference.seq} ${i.whatIf.firstDifference.event}: ${i.whatIf.firstDifference.reason}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
