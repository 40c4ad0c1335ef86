import { useState } from 'preact/hooks';
import { api, rememberKey, type Me } from '../api';
import { ErrorBox, useLoad } from '../common';
import { useI18n } from '../i18n';
import { signInConfig, startSignIn } from '../sso';

/**
 * Sign in: staff at the organisation's identity provider when the server names one; anyone with an API
 * key (partners and apps always). The key is checked against `GET /v1/me` and kept in this tab's sessionStorage.
 */
export function SignIn({ onSignedIn, error: given }: { onSignedIn: (me: Me) => void; error?: unknown }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(given);
  const { value: oidc } = useLoad(signInConfig, []);
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
    <div class="signin">
      {oidc && (
        <div class="card">
          <h1>{t('signIn')}</h1>
          <p class="muted">{t('ssoHint')}</p>
          <button class="primary" data-testid="sso" onClick={() => startSignIn(oidc).catch(setError)}>
            {t('ssoSignIn')}
          </button>
        </div>
      )}
      <form class="card" onSubmit={submit} data-testid="signin">
        <h1>{oidc ? t('keySignIn') : t('signIn')}</h1>
        <p class="muted">{t('signInHint')}</p>
        <label>
          <span>{t('apiKey')}</span>
          <input name="apiKey" type="password" autocomplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" class={oidc ? '' : 'primary'}>
          {t('signIn')}
        </button>
      </form>
    </div>
  );
}
