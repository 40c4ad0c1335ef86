import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** Who the key belongs to, so that a screen (the console, a CLI) can offer what this caller may do. */
export const meRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/me', { schema: { summary: 'The identity behind your API key: id, role, partner or customer' } }, async (request) => request.actor);
};
