import { useEffect, useState } from 'preact/hooks';
import { PartnerflowError } from './api';
import { useI18n } from './i18n';

/** A refusal as the API worded it: its reason, and its code for whoever reports it. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  const refusal = error instanceof PartnerflowError ? error : undefined;
  return (
    <div class="error" role="alert" data-code={refusal?.code}>
      <strong>{t('refused')}:</strong> {refusal ? refusal.reason : String((error as Error).message ?? error)}
      {refusal && <code>{refusal.code}</code>}
    </div>
  );
}

/** Loads something for a page and reloads it when `deps` change or `reload()` is called. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setError(undefined);
    load().then(
      (v) => current && setValue(v),
      (e) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [...deps, round]);
  return { value, error, setValue, reload: () => setRound((r) => r + 1) };
}

export const go = (hash: string) => {
  location.hash = hash;
};

export const processHash = (id: string) => `#/processes/${encodeURIComponent(id)}`;

export function Loading() {
  const { t } = useI18n();
  return <p class="muted">{t('loading')}</p>;
}
