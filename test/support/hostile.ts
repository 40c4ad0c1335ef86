import fc from 'fast-check';
import { registry } from '../../machines/registry';

/**
 * Hostile HTTP requests, as fast-check arbitraries: every route, wrong types, unicode, huge strings,
 * `__proto__` keys, deep nesting, wrong content types, random query strings. The abuse test
 * (test/abuse.e2e.test.ts) and the soak run (scripts/soak.ts) send them.
 */

export const routes: Array<{ method: string; route: string }> = [
  { method: 'POST', route: '/v1/processes' },
  { method: 'GET', route: '/v1/processes' },
  { method: 'GET', route: '/v1/processes/:id' },
  { method: 'POST', route: '/v1/processes/:id/actions' },
  { method: 'GET', route: '/v1/processes/:id/invoice-list' },
  { method: 'GET', route: '/v1/kinds' },
  { method: 'GET', route: '/v1/kinds/:kind' },
  { method: 'GET', route: '/v1/partners/:partner' },
  { method: 'PATCH', route: '/v1/partners/:partner' },
  { method: 'GET', route: '/v1/partners/:partner/withdrawable' },
  { method: 'PUT', route: '/v1/partners/:partner/distributor' },
  { method: 'GET', route: '/v1/tasks' },
  { method: 'POST', route: '/v1/tasks/:id/claim' },
  { method: 'POST', route: '/v1/tasks/:id/release' },
  { method: 'GET', route: '/v1/customers' },
  { method: 'GET', route: '/v1/customers/:customer' },
  { method: 'PUT', route: '/v1/customers/:customer/manager' },
  { method: 'GET', route: '/v1/customers/:customer/consumption' },
  { method: 'POST', route: '/v1/customers/:customer/phone-verification' },
  { method: 'POST', route: '/v1/invitations' },
  { method: 'POST', route: '/v1/invitations/:token/accept' },
  { method: 'GET', route: '/v1/sales-tasks' },
  { method: 'POST', route: '/v1/sales-tasks' },
  { method: 'GET', route: '/v1/sales-tasks/:task' },
  { method: 'PUT', route: '/v1/sales-tasks/:task' },
  { method: 'POST', route: '/v1/sales-tasks/:task/records' },
  { method: 'GET', route: '/v1/keys' },
  { method: 'POST', route: '/v1/keys' },
  { method: 'GET', route: '/v1/keys/events' },
  { method: 'GET', route: '/v1/keys/:token' },
  { method: 'DELETE', route: '/v1/keys/:token' },
  { method: 'PUT', route: '/v1/reviewers/:reviewer/delegation' },
  { method: 'GET', route: '/v1/reviewers/:reviewer/delegations' },
  { method: 'DELETE', route: '/v1/reviewers/:reviewer/delegations/:token' },
  { method: 'POST', route: '/v1/tasks/decisions' },
  { method: 'GET', route: '/v1/reports/reviews' },
  { method: 'POST', route: '/codec/decode' },
  { method: 'GET', route: '/openapi.json' },
  { method: 'GET', route: '/healthz' },
  { method: 'GET', route: '/metrics' },
  { method: 'DELETE', route: '/v1/processes/:id' },
];

export const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../../etc/passwd', '%00', '\u0000', '𝕏'.repeat(50), '💥🔥', "'; drop table processes; --", '__proto__', 'constructor', 'x'.repeat(400), '１２３', 'NaN', '-1', '1e309'),
);

/** A hostile JSON value: wrong types, unicode, huge strings, prototype keys, deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 3, withNullPrototype: true, withObjectString: true }),
  nasty,
  fc.constantFrom(null, true, 0, -1, 1.5, 2 ** 53, [], {}, [[[]]]),
  fc.constant('x'.repeat(20_000)),
);

export const hostileBody = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.oneof(nasty, fc.constantFrom('type', 'kind', 'input', 'milestone', 'comment', 'email', 'partnerId', 'payloads', 'code', 'items', 'to', 'until', 'id', 'role')), hostileValue, { maxKeys: 5 }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.record({ type: fc.oneof(fc.constantFrom('APPLY', 'APPROVE', 'SUBMIT', 'AGREE', 'RESEND_CODE', 'PHONE_VERIFIED', 'CLOUD_ACCOUNT_OPENED'), nasty), milestone: hostileValue, comment: hostileValue }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.record({ kind: fc.oneof(fc.constantFrom(...Object.keys(registry)), nasty), input: hostileValue, businessKey: hostileValue }).map((o) => JSON.stringify(o)) },
  // Keys that could reach a prototype, as raw JSON (JSON.stringify would drop a real __proto__).
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"admin":true},"type":"APPROVE"}', '{"constructor":{"prototype":{"role":"ops"}}}', '{"kind":"nre-milestones","input":{"__proto__":{"x":1}}}', '{"type":"SUBMIT","__proto__":null}') },
  // Deep nesting, shallow and beyond what a parser's stack can take.
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 200_000 }).map((n) => `{"type":"APPLY","milestone":${'['.repeat(n)}${']'.repeat(n)}}`) },
  // Not JSON, truncated JSON, a body over the 64 KiB limit, a JSON scalar.
  { weight: 1, arbitrary: fc.constantFrom('{', '{"type":', 'not json', '[]', '"APPROVE"', 'null', '1', `{"comment":"${'y'.repeat(70_000)}"}`) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

export const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
  'application/json, text/plain',
);

export const queryString = fc.oneof(
  fc.constant(''),
  fc.dictionary(fc.oneof(nasty, fc.constantFrom('kind', 'state', 'partnerId', 'customerId', 'cursor', 'limit', 'waitingFor', 'role', 'from', 'to', 'keyId')), fc.oneof(nasty, fc.constantFrom('-1', '0', '101', 'abc', '1.5'))).map((q) => `?${new URLSearchParams(q as Record<string, string>).toString()}`),
  fc.constantFrom('?%', '?%%zz', '?a[b]=c&a[b]=d', '?limit=1&limit=2', '?cursor=%FF%FE', '?__proto__[x]=1', `?state=${'s'.repeat(5000)}`),
);
