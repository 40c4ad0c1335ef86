import { jsonSchemaTransform } from 'fastify-type-provider-zod';

/**
 * /openapi.json: the routes' zod schemas as OpenAPI, through fastify-type-provider-zod. One addition: an
 * answer that is not JSON (an HTML page, an event stream) names its media type in its schema's metadata
 * (`[mediaType]: 'text/html'`), and is documented under that media type instead of application/json.
 */
export const mediaType = 'x-media-type';

type Transform = typeof jsonSchemaTransform;

export const openApiTransform: Transform = (input) => {
  const transformed = jsonSchemaTransform(input);
  const response = (transformed.schema as { response?: Record<string, Record<string, unknown>> } | undefined)?.response;
  for (const [status, schema] of Object.entries(response ?? {})) {
    const media = schema[mediaType];
    if (typeof media !== 'string') continue;
    const { [mediaType]: _, description, ...rest } = schema;
    response![status] = { description, content: { [media]: { schema: rest } } };
  }
  return transformed;
};
