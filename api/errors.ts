import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { EngineUnavailable, ProcessRefusal } from '../engineClient';
import { StoreInputError } from '../store/db';

/** A caller's mistake, answered as `{ error: { code, reason } }` and changing nothing. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
    /** Seconds after which the same request may succeed (429, 503): sent as `Retry-After`. */
    readonly retryAfter?: number,
  ) {
    super(reason);
  }
}

/**
 * A NUL character (U+0000) cannot be stored as PostgreSQL text: refused at the edge, wherever it is, rather
 * than failing a query (a 500) or, worse, an activity that would retry forever on a PostgreSQL records store.
 */
export const nulRefusal = (where: string) => new HttpError(400, 'nul_character', `The request ${where} contains a NUL character (U+0000), which is not accepted anywhere.`);

/** `%00` anywhere in the path or query string. */
export const hasEncodedNul = (url: string) => /%00/.test(url);

/** Parses a JSON body, refusing keys that could reach an object's prototype, and NUL characters. */
export function parseJsonBody(_request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) {
  if (body === '') return done(new HttpError(400, 'malformed_json', 'The body is empty but Content-Type says JSON; send a JSON object.'));
  try {
    done(
      null,
      JSON.parse(body, (key, value) => {
        if (key === '__proto__' || (key === 'constructor' && value && typeof value === 'object' && 'prototype' in value))
          throw new HttpError(400, 'forbidden_key', `The body contains a "${key}" key; such keys are refused.`);
        if (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) throw nulRefusal('body');
        return value;
      }),
    );
  } catch (error) {
    done(error instanceof HttpError ? error : new HttpError(400, 'malformed_json', `The body is not valid JSON: ${(error as Error).message}.`));
  }
}

const fastifyCodes: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request', 'Content-Length does not match the body.'],
};

function locate(instancePath: string, context: string) {
  const path = instancePath.replace(/^\//, '').replace(/\//g, '.');
  return path ? `${context} ${path}` : context;
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const send = (status: number, code: string, reason: string) => reply.status(status).send({ error: { code, reason } });
  if (error instanceof HttpError) {
    if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
    return send(error.status, error.code, error.reason);
  }
  if (error instanceof ProcessRefusal) return send(error.refusal.status, error.refusal.code, error.refusal.reason);
  if (error instanceof EngineUnavailable) return reply.header('retry-after', '5').status(503).send({ error: { code: 'engine_unavailable', reason: error.message } });
  if (error instanceof StoreInputError) return send(400, 'invalid_query', error.message);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const context = error.validationContext ?? 'body';
    const what = error.validation
      .slice(0, 5)
      .map((v) => {
        const keys = (v.params as { issue?: { keys?: string[] } }).issue?.keys;
        return keys ? `unknown field ${keys.map((k) => `"${k}"`).join(', ')} in ${locate(v.instancePath, context)}` : `${locate(v.instancePath, context)}: ${v.message}`;
      })
      .join('; ');
    return send(context === 'body' ? 422 : 400, `invalid_${context}`, `The request ${context} is invalid: ${what}.`);
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request.routeOptions.bodyLimit ?? 64 * 1024;
    return send(413, 'body_too_large', `The request body is larger than the ${limit >= 1024 ? `${Math.round(limit / 1024)} KiB` : `${limit} bytes`} this route accepts.`);
  }
  const known = error.code ? fastifyCodes[error.code] : undefined;
  if (known) return send(...known);
  if (error.statusCode && error.statusCode < 500) return send(error.statusCode, 'bad_request', error.message);
  request.log.error({ err: error }, 'unexpected error');
  return send(500, 'internal_error', 'Something went wrong on our side; retry the request with the same Idempotency-Key.');
}
