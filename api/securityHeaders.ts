import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Headers every answer carries (docs/SECURITY.md): no MIME sniffing, no referrer leaving with a URL, never
 * inside another site's frame, and a content security policy: none at all for JSON (nothing in it runs),
 * the page's own where a route set one (the console, the invoice list).
 */
export const apiPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The console: its own script and styles, Mermaid's build beside it, the API on the same origin; nothing
 * inline runs. With single sign-on the page also talks to the identity provider: its discovery at the
 * issuer, and its token endpoint, which may live on another origin (Google's does).
 */
export const consolePolicy = (identityProvider?: string, tokenEndpoint?: string) => {
  const origins = [...new Set([identityProvider, tokenEndpoint].filter((url): url is string => Boolean(url)).map((url) => new URL(url).origin))];
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'${origins.map((o) => ` ${o}`).join('')}; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
};

/** The headers of every answer but its CSP; also for answers written past Fastify (the event streams' `writeHead`). */
export const baseSecurityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
} as const;

export async function securityHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  for (const [name, value] of Object.entries(baseSecurityHeaders)) void reply.header(name, value);
  if (!reply.hasHeader('content-security-policy')) void reply.header('content-security-policy', apiPolicy);
  return payload;
}
