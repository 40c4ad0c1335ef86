import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors';
import { consolePolicy } from './securityHeaders';

/**
 * Serves the built console (console/build.ts) at `/`: its page, script, styles and the Mermaid
 * library, all from one folder on this server. Only files of that folder are served; the console signs
 * in with an API key in the browser, so these files need none. The key sits in the tab's sessionStorage,
 * so the pages run nothing but their own files (consolePolicy) and no other site may frame them.
 */
const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export function consoleRoutes(dir: string) {
  const root = path.resolve(dir);
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
      // The files change with every build; the browser asks again rather than keep a stale console.
      return reply.type(type).header('cache-control', 'no-cache').header('content-security-policy', consolePolicy).send(body);
    };
    app.get('/', { schema: { hide: true } }, (_request, reply) => send('index.html', reply));
    app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, (request, reply) => send(request.params['*'], reply));
  };
}
