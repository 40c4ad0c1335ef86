import { useState } from 'preact/hooks';
import { api, type Me } from '../api';
import { ErrorBox, go, Loading, processHash, useLoad } from '../common';
import { useI18n } from '../i18n';
import { kinds } from '../kinds';
import type { ProcessView } from '../../../api/schemas';
import type { JsonSchema, KindDescription } from '../model';
import { SchemaForm } from '../schemaForm';

/** The start form of a kind: its input schema, plus a business key where one partner may run several. */
function startSchema(kind: KindDescription, me: Me): JsonSchema {
  return {
    type: 'object',
    properties: {
      ...(me.role !== 'partner' && me.role !== 'customer' ? { partnerId: { type: 'string' } } : {}),
      ...(kind.oncePerPartner ? {} : { businessKey: { type: 'string' } }),
      ...kind.input.properties,
    },
    required: [...(me.role !== 'partner' && me.role !== 'customer' ? ['partnerId'] : []), ...(kind.input.required ?? [])],
  };
}

export function Start({ me }: { me: Me }) {
  const { t, pick } = useI18n();
  const { value: all, error: loadError } = useLoad(kinds, []);
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<unknown>();
  if (loadError) return <ErrorBox error={loadError} />;
  if (!all) return <Loading />;
  const startable = [...all.values()].filter((k) => k.startedBy.includes(me.role));
  const kind = all.get(chosen);
  const start = async ({ businessKey, partnerId, ...input }: Record<string, unknown>) => {
    setError(undefined);
    try {
      const view = await api<ProcessView>('POST', '/v1/processes', { kind: chosen, input, ...(businessKey ? { businessKey } : {}), ...(partnerId ? { partnerId } : {}) });
      go(processHash(view.id));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="card">
      <h1>{t('start')}</h1>
      <label>
        <span>{t('chooseKind')}</span>
        <select name="kind" value={chosen} onChange={(e) => setChosen(e.currentTarget.value)}>
          <option value="">—</option>
          {startable.map((k) => (
            <option value={k.kind}>{pick(k.title)}</option>
          ))}
        </select>
      </label>
      {kind && <SchemaForm key={kind.kind} schema={startSchema(kind, me)} submitLabel={t('startIt')} onSubmit={start} attrs={{ 'data-testid': 'start-form' }} />}
      <ErrorBox error={error} />
    </section>
  );
}
