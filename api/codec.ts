import { createHash } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HttpError } from './errors';
import type { Identity } from './keys';

/**
 * Temporal's remote codec protocol (`POST <endpoint>/encode`, `<endpoint>/decode`, payloads as JSON with
 * base64 bytes), so the Web UI and `temporal` CLI can show ops the payloads the engine holds sealed.
 * Only ops: by `Authorization: Bearer <ops key>`, or, for the Web UI (which cannot send our header), by
 * an ops key's codec token in the path, `/codec/<token>/decode`, which `npm start` hands to the dev server.
 * The token opens the codec only, never the API: the Web UI shows its codec endpoint to anyone who can
 * reach it.
 */

/** The path token of an ops key: good for the codec endpoint only. */
export const codecToken = (key: string) => createHash('sha256').update(`partnerflow-codec:${key}`).digest('base64url').slice(0, 32);

const MAX_BODY = 4 * 1024 * 1024;
const base64 = z.string().max(MAX_BODY).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payloadsBody = z.strictObject({
  payloads: z.array(z.object({ metadata: z.record(z.string().max(200), base64).optional(), data: base64.optional() })).max(1000),
});

const toPayload = (p: z.infer<typeof payloadsBody>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const fromPayload = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export interface CodecRouteOptions {
  codec: PayloadCodec;
  keys: Map<string, Identity>;
  /** Browser origins allowed to call (the Temporal Web UI's). */
  origins: string[];
}

export const codecRoutes =
  ({ codec, keys, origins }: CodecRouteOptions): FastifyPluginAsync =>
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

    const byToken = new Map([...keys.values()].filter((i) => i.role === 'ops').map((i) => [codecToken(i.key), i]));
    const opsOnly = (key: string | undefined, identity = key ? keys.get(key) : undefined) => {
      if (!key) throw new HttpError(401, 'unauthenticated', 'Send an ops API key as "Authorization: Bearer <key>" (or its codec token in the path, /codec/<token>/decode).');
      if (!identity) throw new HttpError(401, 'invalid_key', 'This API key is not known.');
      if (identity.role !== 'ops') throw new HttpError(403, 'role_not_allowed', `Only ops may encode or decode engine payloads; you act as ${identity.role}.`);
    };
    const bearer = (request: FastifyRequest) => request.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];

    for (const direction of ['encode', 'decode'] as const) {
      const handle = async (request: FastifyRequest, key: string | undefined, token?: string) => {
        if (token !== undefined) {
          if (!byToken.has(token)) throw new HttpError(401, 'invalid_key', 'This codec token is not known.');
        } else opsOnly(key);
        const parsed = payloadsBody.safeParse(request.body);
        if (!parsed.success) throw new HttpError(422, 'invalid_body', `The body must be { "payloads": [{ "metadata": {…base64}, "data": "base64" }] }: ${parsed.error.issues[0]?.message}.`);
        const payloads = parsed.data.payloads.map(toPayload);
        try {
          return { payloads: (await codec[direction](payloads)).map(fromPayload) };
        } catch (error) {
          throw new HttpError(422, 'undecodable_payload', `A payload could not be ${direction}d: ${(error as Error).message}`);
        }
      };
      const preflight = async (request: FastifyRequest, reply: FastifyReply) => {
        cors(request, reply);
        return reply
          .header('access-control-allow-methods', 'POST, OPTIONS')
          .header('access-control-allow-headers', 'content-type, x-namespace, authorization')
          .header('access-control-max-age', '600')
          .status(204)
          .send();
      };
      app.post(`/codec/${direction}`, { bodyLimit: MAX_BODY, schema: { hide: true } }, (request) => handle(request, bearer(request)));
      app.post<{ Params: { key: string } }>(`/codec/:key/${direction}`, { bodyLimit: MAX_BODY, schema: { hide: true } }, (request) => handle(request, undefined, request.params.key));
      app.options(`/codec/${direction}`, { schema: { hide: true } }, preflight);
      app.options(`/codec/:key/${direction}`, { schema: { hide: true } }, preflight);
    }
  };
