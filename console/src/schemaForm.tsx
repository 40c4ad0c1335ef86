import { useState } from 'preact/hooks';
import type { JsonSchema } from './model';
import { useI18n } from './i18n';

/**
 * A form built from a JSON Schema of the API (an event's payload or a kind's start input): strings,
 * enumerations, numbers, booleans, lists of materials `{ name, url }` and small nested objects; anything
 * else is typed as JSON. Optional fields left empty are left out, so the server's own checks decide.
 */

type Value = string | boolean | Array<Record<string, string>> | Record<string, unknown>;
type Values = Record<string, Value>;

const choicesOf = (schema: JsonSchema): Array<string | number> | undefined =>
  schema.enum ?? (schema.anyOf?.every((s) => s.const !== undefined) ? schema.anyOf.map((s) => s.const!) : undefined);

const isNamedLinks = (schema: JsonSchema) =>
  schema.type === 'array' && schema.items?.type === 'object' && !!schema.items.properties?.name && !!schema.items.properties?.url;

function emptyValue(schema: JsonSchema): Value {
  if (isNamedLinks(schema)) return [];
  if (schema.type === 'boolean') return false;
  if (schema.type === 'object' && schema.properties) return Object.fromEntries(Object.entries(schema.properties).map(([k, s]) => [k, emptyValue(s)]));
  return '';
}

/** The payload the form's values stand for. */
function toPayload(schema: JsonSchema, values: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    const v = convert(field, value);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function convert(field: JsonSchema, value: Value | undefined): unknown {
  if (value === undefined) return undefined;
  const choices = choicesOf(field);
  if (isNamedLinks(field)) {
    const rows = (value as Array<Record<string, string>>).filter((r) => r.name.trim() || r.url.trim());
    return rows.length ? rows.map((r) => ({ name: r.name.trim(), url: r.url.trim() })) : undefined;
  }
  if (field.type === 'boolean') return value === true ? true : undefined;
  if (field.type === 'object' && field.properties) {
    const inner = toPayload(field, value as Values);
    return Object.keys(inner).length ? inner : undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (choices) return choices.find((c) => String(c) === value) ?? value;
  if (field.type === 'number' || field.type === 'integer') return Number(value);
  if (field.type === 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    // Sent as typed: the server's refusal names the field and what it wants.
    return value;
  }
}

export function initialValues(schema: JsonSchema): Values {
  return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, emptyValue(s)]));
}

interface FieldProps {
  name: string;
  path: string;
  schema: JsonSchema;
  required: boolean;
  value: Value;
  onChange: (value: Value) => void;
}

function Field({ name, path, schema, required, value, onChange }: FieldProps) {
  const { field, t } = useI18n();
  const title = field(name) + (required ? ' *' : '');
  const choices = choicesOf(schema);
  if (choices)
    return (
      <label>
        <span>{title}</span>
        <select name={path} required={required} value={value as string} onChange={(e) => onChange(e.currentTarget.value)}>
          <option value="">—</option>
          {choices.map((c) => (
            <option value={String(c)}>{typeof c === 'string' ? field(c) : String(c)}</option>
          ))}
        </select>
      </label>
    );
  if (isNamedLinks(schema)) {
    const rows = value as Array<Record<string, string>>;
    const set = (i: number, key: string, v: string) => onChange(rows.map((r, j) => (j === i ? { ...r, [key]: v } : r)));
    return (
      <fieldset data-field={path}>
        <legend>{title}</legend>
        {rows.map((row, i) => (
          <div class="row">
            <input name={`${path}.${i}.name`} placeholder={field('name')} required value={row.name} onInput={(e) => set(i, 'name', e.currentTarget.value)} />
            <input name={`${path}.${i}.url`} placeholder="https://…" type="url" required value={row.url} onInput={(e) => set(i, 'url', e.currentTarget.value)} />
            <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>{t('remove')}</button>
          </div>
        ))}
        <button type="button" data-add={path} onClick={() => onChange([...rows, { name: '', url: '' }])}>
          + {t('add')}
        </button>
      </fieldset>
    );
  }
  if (schema.type === 'boolean')
    return (
      <label class="row">
        <input type="checkbox" name={path} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
        <span>{title}</span>
      </label>
    );
  if (schema.type === 'object' && schema.properties) {
    const inner = value as Values;
    return (
      <fieldset data-field={path}>
        <legend>{title}</legend>
        {Object.entries(schema.properties).map(([k, s]) => (
          <Field name={k} path={`${path}.${k}`} schema={s} required={false} value={inner[k] as Value} onChange={(v) => onChange({ ...inner, [k]: v })} />
        ))}
      </fieldset>
    );
  }
  const text = value as string;
  const input = (e: { currentTarget: { value: string } }) => onChange(e.currentTarget.value);
  if (schema.type === 'string' && (schema.maxLength ?? 0) > 200)
    return (
      <label>
        <span>{title}</span>
        <textarea name={path} required={required} value={text} onInput={input} />
      </label>
    );
  const type = schema.type === 'number' || schema.type === 'integer' ? 'number' : schema.format === 'email' ? 'email' : 'text';
  return (
    <label>
      <span>{title}</span>
      <input name={path} type={type as 'text'} required={required} value={text} onInput={input} placeholder={schema.type === 'string' || type === 'number' ? '' : 'JSON'} />
    </label>
  );
}

interface FormProps {
  schema: JsonSchema;
  /** Values already decided (an action's `params`, e.g. which review a decision is about): shown, not edited. */
  fixed?: Record<string, unknown>;
  submitLabel: string;
  tone?: 'primary' | 'danger';
  onSubmit: (payload: Record<string, unknown>) => Promise<unknown>;
  children?: preact.ComponentChildren;
  attrs?: Record<string, string>;
}

export function SchemaForm({ schema, fixed = {}, submitLabel, tone = 'primary', onSubmit, children, attrs = {} }: FormProps) {
  const { field } = useI18n();
  const [values, setValues] = useState<Values>(() => initialValues(schema));
  const [busy, setBusy] = useState(false);
  const editable = Object.entries(schema.properties ?? {}).filter(([name]) => !(name in fixed));
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await onSubmit({ ...toPayload({ properties: Object.fromEntries(editable) }, values), ...fixed });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} {...attrs}>
      {children}
      {Object.entries(fixed).map(([name, value]) => (
        <p class="muted">
          {field(name)}: <strong>{typeof value === 'string' ? field(value) : String(value)}</strong>
        </p>
      ))}
      {editable.map(([name, s]) => (
        <Field
          name={name}
          path={name}
          schema={s}
          required={schema.required?.includes(name) ?? false}
          value={values[name]}
          onChange={(v) => setValues((old) => ({ ...old, [name]: v }))}
        />
      ))}
      <button type="submit" class={tone} disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}
