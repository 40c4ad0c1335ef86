import type { FastifyRequest } from 'fastify';

/**
 * Path segments that are secrets (an invitation's token; a codec token of releases before codec sessions)
 * are replaced before a URL is logged or echoed, so that whoever reads the log cannot use them.
 */
const secretSegments: RegExp[] = [/^(\/v1\/invitations\/)[^/?#]+/, /^(\/codec\/)(?!encode\b|decode\b|session\b)[^/?#]+/];

export function redactPath(url: string): string {
  for (const pattern of secretSegments) if (pattern.test(url)) return url.replace(pattern, '$1[redacted]');
  return url;
}

/** Fastify's own request serializer, with the URL redacted. */
export function redactedRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactPath(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
