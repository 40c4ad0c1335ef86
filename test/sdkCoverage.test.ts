import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProcessClient } from '../engineClient';
import { buildServer } from '../api/server';
import type { Store } from '../store/db';
import type { Sealer } from '../worker/sealer';
import { PartnerflowClient, sdkOperations } from '../sdk';

/**
 * sdk/ is the one HTTP client: every operation of the API's OpenAPI document has a method, and each
 * method calls the operation it says it does. No server listens: the routes are registered (with
 * stand-ins that are never called) only to read the document they make.
 */

let operations: string[];
beforeAll(async () => {
  const unused = {} as never;
  const app = await buildServer({
    client: unused as ProcessClient,
    store: unused as Store,
    keys: new Map(),
    log: pino({ level: 'silent' }),
    webhooks: { sealer: unused as Sealer, targets: 'public' },
  });
  await app.ready();
  const spec = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  operations = Object.entries(spec.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
  await app.close();
});

describe('sdk/: one method per API operation', () => {
  it('every /v1 operation of the OpenAPI document has an SDK method, and the SDK names no operation the API lacks', () => {
    expect(operations.length).toBeGreaterThanOrEqual(51);
    const covered = new Set<string>(Object.values(sdkOperations));
    expect(operations.filter((op) => !covered.has(op)), 'operations without an SDK method').toEqual([]);
    expect([...covered].filter((op) => !operations.includes(op)), 'SDK operations the API does not have').toEqual([]);
  });

  it('each SDK method sends the request of the operation it is listed for', async () => {
    const sent: string[] = [];
    const recording: typeof fetch = async (url, init) => {
      sent.push(`${init?.method} ${new URL(String(url)).pathname}`);
      throw new Error('not sent: this test only records the request');
    };
    const client = new PartnerflowClient({ baseUrl: 'http://partnerflow.invalid', apiKey: 'k', fetch: recording });
    const wrong: string[] = [];
    for (const [name, operation] of Object.entries(sdkOperations)) {
      sent.length = 0;
      // Every argument 'p': each path parameter is then 'p', whatever the method does with the rest.
      const method = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
      const result = method.call(client, 'p', 'p') as AsyncGenerator | Promise<unknown>;
      await (Symbol.asyncIterator in result ? result.next() : result).catch(() => undefined);
      const expected = operation.replace(/\{[^}]+\}/g, 'p');
      if (sent.length !== 1 || sent[0] !== expected) wrong.push(`${name}: listed as ${operation}, sent ${sent.join(', ') || 'nothing'}`);
    }
    expect(wrong).toEqual([]);
  });
});
