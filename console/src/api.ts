/**
 * The console's only way to the server: the HTTP API v1 with the signed-in key as a bearer token.
 * A refusal carries the API's own `code` and `reason`, which the screens show as they are.
 */
import type { Me } from '../../api/schemas';
import { PartnerflowError } from '../../sdk/errors';

const keyName = 'pf.key';

/** The tab's sessionStorage, reached through globalThis so that this module also type-checks (and is tested) outside a browser. */
const tab = () => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void; removeItem(k: string): void } }).sessionStorage;
export const signedInKey = () => tab().getItem(keyName);
export const rememberKey = (key: string) => tab().setItem(keyName, key);
export const forgetKey = () => tab().removeItem(keyName);

/** A refusal is the typed client's own error (sdk/errors.ts, which has no dependencies): status, code, reason. */
export { PartnerflowError };

/**
 * The API no longer takes the key or token this tab signed in with (a sign-in token expired, a managed key
 * expired or was revoked): 401 on a request made with it. The console then forgets it and asks to sign in again.
 */
let signInLost: (error: PartnerflowError) => void = () => undefined;
export const onSignInLost = (listener: (error: PartnerflowError) => void) => {
  signInLost = listener;
};

export async function api<T = any>(method: string, path: string, body?: unknown, options: { key?: string | null; headers?: Record<string, string> } = {}): Promise<T> {
  const stored = options.key === undefined;
  const key = stored ? signedInKey() : options.key;
  const response = await fetch(path, {
    method,
    headers: {
      ...options.headers,
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const error = json?.error ?? {};
    const refusal = new PartnerflowError(response.status, error.code ?? `http_${response.status}`, error.reason ?? response.statusText);
    // Only the stored sign-in: a key being tried on the sign-in page is not one to forget.
    if (response.status === 401 && stored && key) {
      forgetKey();
      signInLost(refusal);
    }
    throw refusal;
  }
  return json as T;
}

export const processPath = (id: string) => `/v1/processes/${encodeURIComponent(id)}`;

/**
 * Ops who sign in also open a codec session (an HttpOnly cookie for /codec only), so that the Temporal Web
 * UI on this host can decode the engine's sealed payloads without any secret in its settings; signing out
 * ends it. Best effort: the console works the same without it.
 */
export async function codecSession(me: Me | null) {
  try {
    if (me?.role === 'ops') await api('POST', '/codec/session', {});
    else await fetch('/codec/session', { method: 'DELETE' });
  } catch {
    // No codec on this server: the Web UI shows payloads sealed.
  }
}

/** Who is signed in, as `GET /v1/me` answers. */
export type { Me };
