import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import { beijingClock } from '../machines/time';
import type { Actor, Role } from '../machines/types';
import type { Config } from '../worker/config';
import { HttpError } from './errors';

/**
 * Single sign-on for the vendor's staff: the console signs reviewers and ops in at the organisation's
 * OpenID provider (authorization code with PKCE), and the API accepts the provider's access tokens (JWTs,
 * verified against its JWKS: signature, issuer, audience, expiry). Partners and apps keep API keys.
 */

export interface OidcSettings {
  issuer: string;
  /** The console's client at the provider (a public client: PKCE, no secret). */
  clientId: string;
  /** What access tokens for this API carry in `aud`; the console asks for it as the resource (RFC 8707) when it is a URL. */
  audience: string;
  /** The claim naming the person's role(s): a string or a list, a dotted path for nested claims (`realm_access.roles`). */
  roleClaim: string;
  /** The claim that is the person's id; four-eyes (R72) compares it with the ids of the person's API keys. */
  idClaim: string;
  scope: string;
  /** Claim values → roles; by default the values `reviewer` and `ops` themselves. */
  roleMap: Record<string, Role>;
}

/** The settings from the environment, or undefined when no provider is configured (the console then signs in with keys). */
export function oidcFromConfig(config: Config): OidcSettings | undefined {
  if (!config.OIDC_ISSUER) return undefined;
  const missing = (['OIDC_CLIENT_ID', 'OIDC_AUDIENCE'] as const).filter((name) => !config[name]);
  if (missing.length) throw new Error(`OIDC_ISSUER is set, so ${missing.join(' and ')} must be set too.`);
  return {
    issuer: config.OIDC_ISSUER.replace(/\/+$/, ''),
    clientId: config.OIDC_CLIENT_ID!,
    audience: config.OIDC_AUDIENCE!,
    roleClaim: config.OIDC_ROLE_CLAIM,
    idClaim: config.OIDC_ID_CLAIM,
    scope: config.OIDC_SCOPE,
    roleMap: config.OIDC_ROLE_MAP ?? { reviewer: 'reviewer', ops: 'ops' },
  };
}

/** Staff roles only: partners, customers, managers and apps sign in with keys. */
export const ssoRoles: readonly Role[] = ['reviewer', 'ops'];

/** What the console needs to start a sign-in; nothing secret. */
export const publicOidc = (s: OidcSettings) => ({
  issuer: s.issuer,
  clientId: s.clientId,
  scope: s.scope,
  ...(/^https?:\/\//.test(s.audience) ? { resource: s.audience } : {}),
});

const claimAt = (payload: JWTPayload, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), payload);

const refused = (code: string, reason: string) => new HttpError(401, code, reason);

/** What the API and the console's CSP read of the provider's metadata. */
export interface ProviderMetadata {
  issuer?: string;
  jwks_uri?: string;
  token_endpoint?: string;
}

const discovered = new Map<string, Promise<ProviderMetadata>>();

/** The provider's metadata (`/.well-known/openid-configuration`), fetched once per issuer and kept; a failure is forgotten, so the next call tries again. */
export function providerMetadata(issuer: string): Promise<ProviderMetadata> {
  const key = issuer.replace(/\/+$/, '');
  let found = discovered.get(key);
  if (!found) {
    found = (async () => {
      const response = await fetch(`${key}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`the provider's metadata answered ${response.status}`);
      return (await response.json()) as ProviderMetadata;
    })();
    found.catch(() => discovered.delete(key));
    discovered.set(key, found);
  }
  return found;
}

/**
 * The authenticator for provider tokens: anything shaped like a JWT. The provider's metadata and keys
 * are fetched when first needed and kept (jose refetches the keys when a token names an unknown one).
 */
export function oidcTokens(settings: OidcSettings) {
  const issuer = settings.issuer.replace(/\/+$/, '');
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keys = () =>
    (jwks ??= (async () => {
      const metadata = await providerMetadata(issuer);
      if (!metadata.jwks_uri) throw new Error("the provider's metadata names no jwks_uri");
      return createRemoteJWKSet(new URL(metadata.jwks_uri));
    })().catch((err) => {
      jwks = undefined;
      throw new HttpError(503, 'identity_provider_unavailable', `The organisation's identity provider at ${issuer} could not be reached (${(err as Error).message}); try again shortly.`);
    }));

  return async (token: string): Promise<Actor | undefined> => {
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return undefined;
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw refused('invalid_token', 'The bearer token looks like a JWT but cannot be read; sign in again.');
    }
    // Said before the signature is checked, because a token of another provider cannot be checked with our keys.
    if (typeof unverified.iss !== 'string' || unverified.iss.replace(/\/+$/, '') !== issuer)
      throw refused('token_wrong_issuer', `This token was issued by "${String(unverified.iss ?? 'nobody').slice(0, 200)}", not by the organisation's identity provider (${issuer}).`);
    let payload: JWTPayload;
    try {
      // A token without `exp` would be good forever once leaked; a few seconds of tolerance for the provider's clock.
      ({ payload } = await jwtVerify(token, await keys(), { issuer: [issuer, `${issuer}/`], audience: settings.audience, requiredClaims: ['exp'], clockTolerance: 5 }));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      if (err instanceof errors.JWTExpired)
        throw refused('token_expired', `This token expired${typeof unverified.exp === 'number' ? ` at ${beijingClock(new Date(unverified.exp * 1000).toISOString())}` : ''}; sign in again.`);
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'aud')
        throw refused('token_wrong_audience', `This token is for ${JSON.stringify(unverified.aud ?? null).slice(0, 200)}, not for this API (${settings.audience}).`);
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'exp')
        throw refused('invalid_token', 'This token has no expiry ("exp" claim): a token that never expires is not accepted; sign in again.');
      if (err instanceof errors.JWTClaimValidationFailed)
        throw refused('invalid_token', `This token's "${err.claim}" claim is not acceptable (${err.reason}); sign in again.`);
      throw refused('invalid_token', "This token's signature does not verify with the identity provider's keys; sign in again.");
    }
    const id = claimAt(payload, settings.idClaim);
    if (typeof id !== 'string' || !id) throw refused('invalid_token', `This token has no "${settings.idClaim}" claim naming the person.`);
    const claimed = claimAt(payload, settings.roleClaim);
    const values = (Array.isArray(claimed) ? claimed : [claimed]).filter((v): v is string => typeof v === 'string');
    const role = values.map((v) => settings.roleMap[v]).find((r) => r !== undefined && ssoRoles.includes(r));
    if (!role)
      throw new HttpError(
        403,
        'no_staff_role',
        `Your sign-in carries no partnerflow staff role in its "${settings.roleClaim}" claim (reviewer or ops); ask your administrator. Partners and apps use API keys.`,
      );
    return {
      id,
      role,
      ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
      ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
    };
  };
}
