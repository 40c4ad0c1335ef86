import { useState } from 'preact/hooks';
import { api, rememberKey, type Me } from '../api';
import { ErrorBox } from '../common';
import { useI18n } from '../i18n';

/** Sign in with an API key: the key is checked against `GET /v1/me` and kept in this tab's sessionStorage. */
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const me = await api<Me>('GET', '/v1/me', undefined, { key: key.trim() });
      rememberKey(key.trim());
      onSignedIn(me);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form class="card signin" onSubmit={submit} data-testid="signin">
      <h1>{t('signIn')}</h1>
      <p class="muted">{t('signInHint')}</p>
      <label>
        <span>{t('apiKey')}</span>
        <input name="apiKey" type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
      </label>
      <ErrorBox error={error} />
      <button type="submit" class="primary">
        {t('signIn')}
      </button>
    </form>
  );
}
