import { useState } from 'preact/hooks';
import type { CreatedKey, KeyEventView, ManagedKeyView, Page } from '../../../api/schemas';
import { api, type Me } from '../api';
import { ErrorBox, Loading, useLoad } from '../common';
import { useI18n } from '../i18n';
import { localTime } from '../time';

/**
 * Managed API keys (`/v1/keys`): ops manage every key, a partner those of its own people and apps. A new
 * key is shown once, here; lists show its prefix. Revoking takes effect at the key's next request.
 */
export function Keys({ me }: { me: Me }) {
  const { t, role: roleName } = useI18n();
  const roles = me.role === 'ops' ? ['partner', 'manager', 'customer', 'reviewer', 'ops', 'system'] : ['partner', 'manager'];
  const [id, setId] = useState(me.role === 'partner' ? `@${me.partnerId}` : '');
  const [role, setRole] = useState(roles[0]);
  const [partnerId, setPartnerId] = useState('');
  const [expires, setExpires] = useState('');
  const [name, setName] = useState('');
  const [made, setMade] = useState<CreatedKey>();
  const [error, setError] = useState<unknown>();
  const { value, error: loadError, reload } = useLoad(async () => {
    const [keys, events] = await Promise.all([api<Page<ManagedKeyView>>('GET', '/v1/keys?limit=100'), api<Page<KeyEventView>>('GET', '/v1/keys/events?limit=20')]);
    return { keys: keys.items, events: events.items };
  }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setMade(undefined);
    try {
      const body = {
        id: id.trim(),
        role,
        ...(me.role === 'ops' && partnerId.trim() ? { partnerId: partnerId.trim() } : {}),
        ...(expires ? { expiresAt: new Date(`${expires}:00+08:00`).toISOString() } : {}),
        ...(name.trim() ? { name: name.trim() } : {}),
      };
      setMade(await api<CreatedKey>('POST', '/v1/keys', body));
      reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (keyId: string) => {
    setError(undefined);
    try {
      await api('DELETE', `/v1/keys/${encodeURIComponent(keyId)}`);
    } catch (err) {
      setError(err);
    }
    reload();
  };

  return (
    <section>
      <h1>{t('keys')}</h1>
      <p class="muted">{me.role === 'ops' ? t('keysHintOps') : t('keysHintPartner')}</p>
      <form class="card" data-testid="key-form" onSubmit={create}>
        <div class="row">
          <label>
            <span>{t('identity')}</span>
            <input name="id" required value={id} onInput={(e) => setId(e.currentTarget.value)} />
          </label>
          <label>
            <span>{t('role')}</span>
            <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              {roles.map((r) => (
                <option value={r}>{roleName(r)}</option>
              ))}
            </select>
          </label>
          {me.role === 'ops' && (
            <label>
              <span>{t('partnerId')}</span>
              <input name="partnerId" value={partnerId} onInput={(e) => setPartnerId(e.currentTarget.value)} />
            </label>
          )}
        </div>
        <div class="row">
          <label>
            <span>{t('expires')} (GMT+08:00)</span>
            <input name="expiresAt" type="datetime-local" value={expires} onInput={(e) => setExpires(e.currentTarget.value)} />
          </label>
          <label>
            <span>{t('keyName')}</span>
            <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
        </div>
        <ErrorBox error={error ?? loadError} />
        <button type="submit" class="primary">
          {t('makeKey')}
        </button>
        {made && (
          <div class="newkey" data-testid="new-key" data-key-id={made.keyId}>
            <strong>{t('keyShownOnce')}</strong>
            <code>{made.key}</code>
          </div>
        )}
      </form>
      {!value && !loadError && <Loading />}
      {value && (
        <table data-testid="keys">
          <thead>
            <tr>
              <th>{t('keyPrefix')}</th>
              <th>{t('identity')}</th>
              <th>{t('role')}</th>
              <th>{t('partner')}</th>
              <th>{t('status')}</th>
              <th>{t('created')} (GMT+08:00)</th>
              <th>{t('expires')}</th>
              <th>{t('lastUsed')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {value.keys.map((k) => (
              <tr data-key-id={k.keyId} data-status={k.status}>
                <td>
                  <code>{k.prefix}</code>
                  {k.name && <div class="muted">{k.name}</div>}
                </td>
                <td>{k.id}</td>
                <td>{roleName(k.role)}</td>
                <td>{k.partnerId ?? '—'}</td>
                <td>
                  <span class={`badge ${k.status === 'active' ? 'done' : 'overdue'}`}>{t(k.status as 'active' | 'revoked' | 'expired')}</span>
                </td>
                <td>{localTime(k.createdAtLocal)}</td>
                <td>{localTime(k.expiresAtLocal) || '—'}</td>
                <td>{localTime(k.lastUsedAtLocal) || '—'}</td>
                <td>{k.status === 'active' && <button class="danger" onClick={() => revoke(k.keyId)}>{t('revoke')}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {value && value.events.length > 0 && (
        <>
          <h2>{t('keyAudit')}</h2>
          <table data-testid="key-events">
            <tbody>
              {value.events.map((e) => (
                <tr data-event={e.event} data-key-id={e.keyId}>
                  <td>{localTime(e.atLocal)}</td>
                  <td>{t(e.event)}</td>
                  <td>
                    <code>{e.keyId}</code>
                  </td>
                  <td>
                    {e.identityId} ({roleName(e.role)})
                  </td>
                  <td>
                    {t('by')} {e.actorId}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
