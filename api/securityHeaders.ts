import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Headers every answer carries (docs/SECURITY.md): no MIME sniffing, no referrer leaving with a URL, never
 * inside another site's frame, and a content security policy: none at all for JSON (nothing in it runs),
 * the page's own where a route set one (the console, the invoice list).
 */
export const apiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The console: its own script and styles, Mermaid's build beside it, the API on the same origin; nothing
 * inline runs. With single sign-on the page also talks to the identity provider (discovery, token).
 */
export const consolePolicy = (identityProvider?: string) =>
  `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'${identityProvider ? ` ${new URL(identityProvider).origin}` : ''}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

export async function securityHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  void reply.header('x-content-type-options', 'nosniff');
  void reply.header('referrer-policy', 'no-referrer');
  void reply.header('x-frame-options', 'DENY');
  void reply.header('cross-origin-opener-policy', 'same-origin');
  if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', apiPolicy);
  return payload;
}
