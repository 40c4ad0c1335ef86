import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../machines/types';
import { ENCRYPTED_ENCODING } from '../worker/codec';
import { HttpError } from './errors';
import { answers } from './schemas';

/**
 * The decoding half of Temporal's remote codec protocol (`POST <endpoint>/decode`, payloads as JSON with
 * base64 bytes), so the Web UI and the `temporal` CLI can show ops the payloads the engine holds sealed.
 * There is no `/encode`: only the edge seals, since a sealed payload is what the worker trusts.
 *
 * Only ops, proven before a byte of the body is read (a 4 MiB body is parsed only for a caller who may
 * send one): by `Authorization: Bearer …` through the API's own authentication, or, for the Web UI,
 * which cannot send our header, by a codec session cookie that the console sets when ops sign in
 * (`POST /codec/session`). The UI's settings then name the endpoint without any secret in it
 * (`includeCredentials`), and the cookie is HttpOnly and SameSite=Strict.
 */

const MAX_BODY = 4 * 1024 * 1024;
const SESSION_COOKIE = 'pf_codec';
const SESSION_SECONDS = 12 * 3600;

const base64 = z.string().max(MAX_BODY).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payloadsBody = z.strictObject({
  payloads: z.array(z.object({ metadata: z.record(z.string().max(200), base64).optional(), data: base64.optional() })).max(1000),
});

/** Temporal's remote codec protocol answers payloads as it takes them: base64 metadata and data. */
const payloadsAnswer = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()), data: z.string() })) });

const toPayload = (p: z.infer<typeof payloadsBody>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const fromPayload = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const isSealed = (p: Payload) => Buffer.from(p.metadata?.encoding ?? []).toString() === ENCRYPTED_ENCODING;

/** A codec session: who, until when, signed with the server's session secret (no state kept, so any API process checks it). */
export function sessionCookieValue(secret: Buffer, who: string, expiresAt: number): string {
  const body = `${expiresAt}.${Buffer.from(who).toString('base64url')}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function sessionOf(secret: Buffer, cookieHeader: string | undefined, now = Date.now()): string | undefined {
  const value = cookieHeader
    ?.split(';')
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${SESSION_COOKIE}=`))
    ?.slice(SESSION_COOKIE.length + 1);
  const [expires, who, mac] = value?.split('.') ?? [];
  if (!expires || !who || !mac || !/^\d{1,12}$/.test(expires)) return undefined;
  const expected = Buffer.from(sessionCookieValue(secret, Buffer.from(who, 'base64url').toString(), Number(expires)).split('.')[2]);
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  if (Number(expires) * 1000 <= now) return undefined;
  return Buffer.from(who, 'base64url').toString();
}

export interface CodecRouteOptions {
  codec: PayloadCodec;
  /** The API's authentication hook: puts the caller on `request.actor` or refuses (401). */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Signs codec session cookies (derive it from a secret every API process shares). */
  sessionSecret: Buffer;
  /** Browser origins allowed to call (the Temporal Web UI's). */
  origins: string[];
}

export const codecRoutes =
  ({ codec, authenticate, sessionSecret, origins }: CodecRouteOptions): FastifyPluginAsync =>
  async (app) => {
    const cors = (request: FastifyRequest, reply: FastifyReply) => {
      const origin = request.headers.origin;
      if (origin && origins.includes(origin)) {
        void reply.header('access-control-allow-origin', origin);
        void reply.header('access-control-allow-credentials', 'true');
        void reply.header('vary', 'origin');
      }
    };
    app.addHook('onRequest', async (request, reply) => cors(request, reply));

    const opsOnly = (actor: Actor) => {
      if (actor.role !== 'ops') throw new HttpError(403, 'role_not_allowed', `Only ops may decode engine payloads; you act as ${actor.role}.`);
    };
    /** Before the body is read: an ops bearer key, or an ops codec session. */
    const admit = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.headers.authorization) {
        const who = sessionOf(sessionSecret, request.headers.cookie);
        if (who) return;
        throw new HttpError(401, 'unauthenticated', 'Send an ops API key as "Authorization: Bearer <key>", or sign in to the console as ops so the Web UI may decode.');
      }
      await authenticate(request, reply);
      opsOnly(request.actor);
    };

    // Decode only: the Web UI is read-only, and sealing is the edge's alone, since a sealed payload is what
    // the worker trusts (nobody, ops included, may seal an Update for the engine: docs/SECURITY.md).
    app.post('/codec/decode', { bodyLimit: MAX_BODY, onRequest: admit, schema: { hide: true, response: answers({ 200: payloadsAnswer }) } }, async (request) => {
      const parsed = payloadsBody.safeParse(request.body);
      if (!parsed.success) throw new HttpError(422, 'invalid_body', `The body must be { "payloads": [{ "metadata": {…base64}, "data": "base64" }] }: ${parsed.error.issues[0]?.message}.`);
      const payloads = parsed.data.payloads.map(toPayload);
      try {
        // Ops see a history as it is: a payload that arrived unsealed (which the worker refuses) is shown as such.
        const sealed = payloads.filter(isSealed);
        const opened = sealed.length ? await codec.decode(sealed) : [];
        return { payloads: payloads.map((p) => (isSealed(p) ? opened.shift()! : p)).map(fromPayload) };
      } catch (error) {
        throw new HttpError(422, 'undecodable_payload', `A payload could not be decoded: ${(error as Error).message}`);
      }
    });
    app.options('/codec/decode', { schema: { hide: true } }, async (request, reply) => {
      cors(request, reply);
      return reply
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type, x-namespace, authorization')
        .header('access-control-max-age', '600')
        .status(204)
        .send();
    });

    // The console opens a codec session for ops who sign in, and ends it when they sign out.
    const cookie = (request: FastifyRequest, value: string, maxAge: number) =>
      `${SESSION_COOKIE}=${value}; Path=/codec; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${request.protocol === 'https' ? '; Secure' : ''}`;
    app.post('/codec/session', { bodyLimit: 1024, onRequest: authenticate, schema: { hide: true, response: answers({ 200: z.object({ decodeUntil: z.string() }) }) } }, async (request, reply) => {
      opsOnly(request.actor);
      const expiresAt = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
      void reply.header('set-cookie', cookie(request, sessionCookieValue(sessionSecret, request.actor.id, expiresAt), SESSION_SECONDS));
      return { decodeUntil: new Date(expiresAt * 1000).toISOString() };
    });
    app.delete('/codec/session', { bodyLimit: 1024, schema: { hide: true, response: answers({ 204: z.null() }) } }, async (request, reply) => {
      void reply.header('set-cookie', cookie(request, '', 0));
      return reply.status(204).send();
    });
  };
