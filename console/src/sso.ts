/**
 * Single sign-on for staff: OpenID Connect's authorization code flow with PKCE, as a public client in the
 * browser. The console sends the person to the organisation's provider and, back at `/?code=…&state=…`,
 * trades the code for an access token, which then goes out as the bearer token like an API key.
 */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  scope: string;
  /** The API as a resource (RFC 8707), so the provider issues a token for it. */
  resource?: string;
}

interface Pending {
  state: string;
  verifier: string;
  tokenEndpoint: string;
  redirectUri: string;
}

const pendingName = 'pf.sso';

let config: Promise<OidcConfig | null> | undefined;

/** How this server wants staff to sign in: at a provider, or (null) with keys only. */
export function signInConfig(): Promise<OidcConfig | null> {
  config ??= fetch('/console/config.json')
    .then((r) => (r.ok ? r.json() : { oidc: null }))
    .then((c: { oidc: OidcConfig | null }) => c.oidc)
    .catch(() => null);
  return config;
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n: number) => base64url(crypto.getRandomValues(new Uint8Array(n)));

async function metadata(issuer: string): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  const response = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`The identity provider answered ${response.status}.`);
  return response.json();
}

/** Where the provider sends the person back: this page, without query or hash. */
const redirectUri = () => `${location.origin}/`;

/** Leaves for the provider's sign-in page. */
export async function startSignIn(oidc: OidcConfig): Promise<void> {
  const { authorization_endpoint, token_endpoint } = await metadata(oidc.issuer);
  const verifier = random(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const pending: Pending = { state: random(16), verifier, tokenEndpoint: token_endpoint, redirectUri: redirectUri() };
  sessionStorage.setItem(pendingName, JSON.stringify(pending));
  const url = new URL(authorization_endpoint);
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: pending.redirectUri,
    scope: oidc.scope,
    state: pending.state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(oidc.resource ? { resource: oidc.resource } : {}),
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  location.assign(url.href);
}

/** Whether this page load is the provider sending the person back. */
export const returningFromSignIn = () => new URLSearchParams(location.search).has('state');

/** Trades the code for an access token; the address bar is cleaned either way. */
export async function completeSignIn(oidc: OidcConfig): Promise<string> {
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(pendingName) ?? 'null') as Pending | null;
  sessionStorage.removeItem(pendingName);
  history.replaceState(null, '', `/${location.hash}`);
  if (params.get('error')) throw new Error(`The identity provider refused the sign-in: ${params.get('error_description') ?? params.get('error')}.`);
  if (!pending || params.get('state') !== pending.state) throw new Error('This sign-in was not started here (its state does not match); sign in again.');
  const response = await fetch(pending.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: pending.redirectUri,
      client_id: oidc.clientId,
      code_verifier: pending.verifier,
      ...(oidc.resource ? { resource: oidc.resource } : {}),
    }),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) throw new Error(`The identity provider did not give a token: ${body.error_description ?? body.error ?? response.status}.`);
  return body.access_token;
}
