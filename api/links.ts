import { HttpError } from './errors';

/**
 * Links people will click (materials, evidence: `{ name, url }`) must be http or https: a `javascript:` or
 * `data:` URL is valid to a URL parser but runs in the reader's browser. Checked here, at the edge, and
 * not in the machines' schemas: the driver judges every action again when a history replays, and a
 * stricter schema there would refuse what running processes already accepted.
 */
export function unsafeLinks(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => unsafeLinks(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const where = path ? `${path}.${key}` : key;
    if (key === 'url' && typeof item === 'string') return isWebLink(item) ? [] : [where];
    return unsafeLinks(item, where);
  });
}

export function isWebLink(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** 422 naming the fields, before anything is started or sent. */
export function refuseUnsafeLinks(value: unknown, what: string) {
  const bad = unsafeLinks(value);
  if (bad.length)
    throw new HttpError(422, 'unsafe_link', `${what}: ${bad.slice(0, 5).join(', ')} must be an http or https link; other schemes (javascript:, data:, file:, …) are refused.`);
}
