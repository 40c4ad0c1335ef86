import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { answers, meSchema } from '../schemas';

/** Who the key belongs to, so that a screen (the console, a CLI) can offer what this caller may do. */
export const meRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/me', { schema: { response: answers({ 200: meSchema }), summary: 'The identity behind your API key: id, role, partner or customer' } }, async (request) => request.actor);
};
