import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import Provider, { errors, type Configuration } from 'oidc-provider';
import { freePort } from '../../scripts/devServer';

/**
 * A real OpenID provider for the tests (the `oidc-provider` package, certified): the organisation's
 * identity provider staff sign in at. Its login page lists nobody: a person types their login, as at
 * any provider; consent is given with the login (a company's own app). Access tokens for a resource are
 * JWTs carrying the person's roles in the `roles` claim, their name and email.
 */

export interface StaffAccount {
  /** The `sub` claim: the person's id, as their API keys name them. */
  id: string;
  roles: string[];
  name?: string;
  email?: string;
}

export interface OidcProviderOptions {
  /** Known people by login; a test may add more while the provider runs. */
  accounts: Map<string, StaffAccount>;
  /** Public clients (PKCE, no secret) and where they may be sent back. */
  clients: Array<{ clientId: string; redirectUris: string[]; /** Seconds an access token lives (default 600). */ tokenTtl?: number }>;
  /** Resources (RFC 8707) tokens may be asked for: the API, and any other a test needs. */
  resources: string[];
  /** Listen here, so the issuer can be known before its clients' URLs are. */
  port?: number;
}

export async function startOidcProvider(options: OidcProviderOptions) {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const ttl = new Map(options.clients.map((c) => [c.clientId, c.tokenTtl ?? 600]));

  const configuration: Configuration = {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      redirect_uris: c.redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'none',
    })),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: `key-${port}`, alg: 'RS256', use: 'sig' } as any] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    // The console (a public client in the browser) calls the token endpoint from its own origin.
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.resources[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => {
          if (!options.resources.includes(resource)) throw new errors.InvalidTarget();
          return { scope: 'api', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: ttl.get(client.clientId) ?? 600 };
        },
      },
    },
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    findAccount: (_ctx, id) => {
      const account = [...options.accounts.values()].find((a) => a.id === id);
      return account ? { accountId: id, claims: () => ({ sub: id, ...(account.name ? { name: account.name } : {}), ...(account.email ? { email: account.email } : {}) }) } : undefined;
    },
    extraTokenClaims: (_ctx, token) => {
      const account = [...options.accounts.values()].find((a) => a.id === (token as { accountId?: string }).accountId);
      return account ? { roles: account.roles, ...(account.name ? { name: account.name } : {}), ...(account.email ? { email: account.email } : {}) } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Access tokens live as long as getResourceServerInfo says (the default ttl.AccessToken asks it).
    ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, IdToken: 600 },
  };
  const provider = new Provider(issuer, configuration);
  // Quiet: a refused token request is what some tests ask for.
  provider.on('server_error', (_ctx, err) => console.error('[oidc-provider]', err));

  const page = (uid: string, error?: string) => `<!doctype html><html><head><title>Sign in · Example Corp</title></head><body>
<h1>Example Corp sign-in</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}" data-testid="idp-login">
<label>Login <input name="login" autocomplete="username" autofocus></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button></form></body></html>`;

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse, uid: string) {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(uid));
      return;
    }
    const body = new URLSearchParams(await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => resolve(text));
    }));
    const account = options.accounts.get(body.get('login') ?? '');
    if (!account) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(uid, 'Unknown login.'));
      return;
    }
    // Consent with the login: everything the console asked for, on the resource it named.
    const grant = new provider.Grant({ accountId: account.id, clientId: details.params.client_id as string });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const resources = [details.params.resource ?? options.resources[0]].flat() as string[];
    for (const resource of resources) grant.addResourceScope(resource, 'api');
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: account.id }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  const callback = provider.callback();
  const server = http.createServer((req, res) => {
    const match = req.url?.match(/^\/interaction\/([\w-]+)$/);
    if (match)
      interaction(req, res, match[1]).catch((err) => {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`interaction failed: ${(err as Error).message}`);
      });
    else callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  /**
   * Signs `login` in as a browser would (authorization code with PKCE, cookies carried by hand) and
   * returns the access token for `resource`: what an API test needs without a browser.
   */
  async function accessToken(login: string, { clientId = options.clients[0].clientId, resource = options.resources[0] } = {}): Promise<string> {
    const client = options.clients.find((c) => c.clientId === clientId)!;
    const redirectUri = client.redirectUris[0];
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const cookies = new Map<string, string>();
    const jar = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const go = async (url: string, init: RequestInit = {}) => {
      const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar() } });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return response;
    };
    const auth = new URL(`${issuer}/auth`);
    Object.entries({ client_id: clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile email', state: 's', code_challenge: challenge, code_challenge_method: 'S256', resource }).forEach(([k, v]) =>
      auth.searchParams.set(k, v),
    );
    let response = await go(auth.href);
    const interactionUrl = new URL(response.headers.get('location')!, issuer).href;
    response = await go(interactionUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ login, password: 'x' }).toString() });
    for (let hops = 0; hops < 5 && response.status >= 300 && response.status < 400; hops++) {
      const next = new URL(response.headers.get('location')!, issuer);
      if (next.href.startsWith(redirectUri)) {
        const code = next.searchParams.get('code');
        if (!code) throw new Error(`The provider refused the sign-in: ${next.searchParams.get('error')} ${next.searchParams.get('error_description')}`);
        const token = await fetch(`${issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, resource }).toString(),
        });
        const json = (await token.json()) as { access_token?: string; error?: string; error_description?: string };
        if (!json.access_token) throw new Error(`The token request failed: ${json.error} ${json.error_description}`);
        return json.access_token;
      }
      response = await go(next.href);
    }
    throw new Error(`The sign-in of ${login} did not come back to ${redirectUri} (last answer ${response.status}: ${(await response.text()).slice(0, 300)})`);
  }

  /** A token signed with the provider's own key but with claims the test chooses (e.g. none of `exp`), as a misconfigured provider might issue. */
  const signToken = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: `key-${port}`, typ: 'at+jwt' }).sign(privateKey);

  return {
    issuer,
    accessToken,
    signToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type OidcProvider = Awaited<ReturnType<typeof startOidcProvider>>;
