import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors';
import { consolePolicy } from './securityHeaders';
import { providerMetadata, publicOidc, type OidcSettings } from './oidc';

/**
 * Serves the built console (console/build.ts) at `/`: its page, script, styles and the Mermaid
 * library, all from one folder on this server. Only files of that folder are served; the console signs
 * in in the browser (an API key, or single sign-on at the provider `config.json` names), so these files need none.
 * The key or token sits in the tab's sessionStorage, so the pages run nothing but their own files (consolePolicy)
 * and no other site may frame them.
 */
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function consoleRoutes(dir: string, options: { oidc?: OidcSettings } = {}) {
  const root = path.resolve(dir);
  const oidc = options.oidc;
  // The token endpoint, from the provider's metadata, once known: the page posts the code there (console/src/sso.ts).
  let tokenEndpoint: string | undefined;
  const learn = async () => {
    if (!oidc || tokenEndpoint !== undefined) return;
    tokenEndpoint = (await providerMetadata(oidc.issuer).catch(() => ({ token_endpoint: undefined }))).token_endpoint;
  };
  void learn();
  return async (app: FastifyInstance) => {
    const send = async (file: string, reply: import('fastify').FastifyReply) => {
      const type = types[path.extname(file)];
      const full = path.resolve(root, file);
      if (!type || !full.startsWith(root + path.sep)) throw new HttpError(404, 'no_such_file', `The console has no file "${file.slice(0, 200)}".`);
      let body: Buffer;
      try {
        body = await fs.readFile(full);
      } catch {
        throw new HttpError(404, 'no_such_file', `The console has no file "${file.slice(0, 200)}".`);
      }
      // A provider slow to answer delays the page a second at most; its issuer's origin is allowed meanwhile.
      if (oidc && tokenEndpoint === undefined) await Promise.race([learn(), sleep(1000, undefined, { ref: false })]);
      const policy = consolePolicy(oidc?.issuer, tokenEndpoint);
      // The files change with every build; the browser asks again rather than keep a stale console.
      return reply.type(type).header('cache-control', 'no-cache').header('content-security-policy', policy).send(body);
    };
    app.get('/', { schema: { hide: true } }, (_request, reply) => send('index.html', reply));
    // How staff sign in: at the organisation's identity provider when one is configured, else with a key.
    app.get('/console/config.json', { schema: { hide: true } }, async (_request, reply) =>
      reply.header('cache-control', 'no-cache').send({ oidc: options.oidc ? publicOidc(options.oidc) : null }),
    );
    app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, (request, reply) => send(request.params['*'], reply));
  };
}
