import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '../api/keys';
import { describeStates } from '../machines/describe';
import type { ProcessKind } from '../machines/kind';
import { stateKey } from '../machines/policy';
import { registry } from '../machines/registry';
import type { Role } from '../machines/types';
import { writeFigures } from './support/figures';
import { footprint } from './support/flows';
import { pathsToEveryState, payloadsFor, startInputs, type StatePath } from './support/paths';
import { startProduct, type Product } from './support/product';
import { licence } from './support/fixtures';

/**
 * R72, the authorization matrix: generated from the machines (describeStates: state × event × role),
 * every event is sent as every persona in every state a process can rest in, over real HTTP, to real
 * processes put into that state by driving them over the API.
 */

let product: Product;
beforeAll(async () => {
  product = await startProduct();
});
afterAll(() => product?.stop());

/** A partner of its own, with the person's reviewer key (four-eyes), a customer and a manager of that partner. */
interface Team {
  partner: Identity;
  selfReviewer: Identity;
  customer: Identity;
  manager: Identity;
}

let teams = 0;
function newTeam(): Team {
  const n = `${++teams}-${randomUUID().slice(0, 6)}`;
  const partnerId = `team-${n}`;
  const person = `lead@${partnerId}`;
  const team: Team = {
    partner: { key: `authz-partner-${n}-xxxxxxxx`, id: person, role: 'partner', partnerId },
    selfReviewer: { key: `authz-reviewer-${n}-xxxxxxx`, id: person, role: 'reviewer' },
    customer: { key: `authz-customer-${n}-xxxxxxx`, id: `cust@${partnerId}`, role: 'customer', customerId: `cust-${n}`, partnerId },
    manager: { key: `authz-manager-${n}-xxxxxxxx`, id: `mgr@${partnerId}`, role: 'manager', partnerId },
  };
  for (const identity of Object.values(team)) product.keys.set(identity.key, identity);
  return team;
}

const personas = ['partner', 'otherPartner', 'reviewer', 'selfReviewer', 'customer', 'manager', 'ops', 'system'] as const;
type Persona = (typeof personas)[number];

const keyOf = (team: Team, persona: Persona): string =>
  persona === 'otherPartner' ? product.people.globex.key
  : persona === 'reviewer' ? product.people.li.key
  : persona === 'ops' ? product.people.ops.key
  : persona === 'system' ? product.people.system.key
  : team[persona].key;

const roleOf = (persona: Persona): Role =>
  persona === 'otherPartner' ? 'partner' : persona === 'selfReviewer' ? 'reviewer' : persona === 'reviewer' ? 'reviewer' : (persona as Role);

async function http(key: string, method: string, route: string, body?: unknown) {
  const response = await fetch(product.url + route, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Which persona sends a step of a path (a reviewer other than the submitter). */
const stepPersona: Record<Role, Persona> = { partner: 'partner', reviewer: 'reviewer', customer: 'customer', system: 'system', ops: 'ops', manager: 'manager' };

/** A new process of `kind` driven over the API along `path`; returns its id. */
async function processAt(kind: ProcessKind, path: StatePath, teamOf: () => Promise<Team>): Promise<{ id: string; team: Team }> {
  const team = await teamOf();
  const input = { ...startInputs(team.customer.customerId!)[kind.name] };
  if (kind.name === 'customer-creation') input.customerId = `new-${randomUUID().slice(0, 8)}`;
  const starter = path.starter === 'system' ? product.people.system.key : team[path.starter as 'partner' | 'customer'].key;
  const started = await http(starter, 'POST', '/v1/processes', { kind: kind.name, input, businessKey: randomUUID(), ...(path.starter === 'system' ? { partnerId: team.partner.partnerId } : {}) });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const id = started.body.id as string;
  for (const step of path.steps) {
    const moved = await http(keyOf(team, stepPersona[step.role]), 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, step.action);
    expect(moved.status, `${kind.name} ${step.role} ${JSON.stringify(step.action)}: ${JSON.stringify(moved.body)}`).toBe(200);
  }
  const row = await product.store.getProcess(id);
  expect(row?.state, `${kind.name} driven to ${path.rows.join(' | ')}`).toBe(stateKey(path.snapshot.value));
  return { id, team };
}

/** Who may see a process at all: its partner, staff, and the customer it is about. */
const sees = (persona: Persona, kind: ProcessKind) =>
  persona === 'partner' || persona === 'reviewer' || persona === 'selfReviewer' || persona === 'ops' || persona === 'system' || (persona === 'customer' && kind.startRoles.includes('customer'));

interface Tally {
  combinations: number;
  allowedSucceeded: number;
  allowedRefusedByPrecondition: number;
  refused403: number;
  refused404: number;
  refused409NotNow: number;
  fourEyes: number;
  serverErrors: number;
  statesCovered: number;
  statesNotRestable: string[];
}

const tally: Tally = { combinations: 0, allowedSucceeded: 0, allowedRefusedByPrecondition: 0, refused403: 0, refused404: 0, refused409NotNow: 0, fourEyes: 0, serverErrors: 0, statesCovered: 0, statesNotRestable: [] };

afterAll(() => writeFigures('authz', { ...tally, personas: [...personas] }));

// Kinds run side by side: each waits mostly on the engine's round trips.
describe.concurrent('R72 authorization matrix over HTTP', () => {
  it.each(Object.values(registry).map((kind) => ({ kind, name: kind.name })))(
    'R72 $name: every persona × event × state — only the allowed succeed; another partner gets 404; nobody decides their own submission',
    async ({ kind }) => {
      const table = describeStates(kind);
      const paths = pathsToEveryState(kind);
      const covered = new Set(paths.flatMap((p) => p.rows));
      tally.statesNotRestable.push(...table.filter((row) => !covered.has(row.id)).map((row) => `${kind.name}:${row.id}`));
      const sharedTeam = kind.oncePerPartner ? undefined : newTeam();
      if (sharedTeam && (kind.name === 'nre-milestones' || kind.name === 'role-certification')) await certifyTeam(sharedTeam);
      const teamOf = async () => sharedTeam ?? newTeam();

      for (const path of paths) {
        const rows = table.filter((row) => path.rows.includes(row.id));
        const final = rows.some((row) => row.final);
        let current: { id: string; team: Team } | undefined = await processAt(kind, path, teamOf);
        const fresh = async () => (current ??= await processAt(kind, path, teamOf));

        // Reading: another partner, a manager, an unrelated customer get 404; nobody's list shows it to another partner.
        for (const persona of personas) {
          const { id, team } = await fresh();
          const read = await http(keyOf(team, persona), 'GET', `/v1/processes/${encodeURIComponent(id)}`);
          expect(read.status, `${persona} reads ${kind.name} in ${path.rows}`).toBe(sees(persona, kind) ? 200 : 404);
        }
        const { id: listed } = await fresh();
        const others = await http(product.people.globex.key, 'GET', `/v1/processes?kind=${kind.name}&limit=100`);
        expect(others.body.items.map((i: { id: string }) => i.id)).not.toContain(listed);

        for (const [type, spec] of Object.entries(kind.events)) {
          const allowedRoles = new Set(rows.flatMap((row) => row.allowed.filter((a) => a.event === type).flatMap((a) => a.roles)));
          // Refusals first, on the same process; each success needs a new process in this state.
          const order = [...personas].sort((a, b) => Number(allowedRoles.has(roleOf(a))) - Number(allowedRoles.has(roleOf(b))));
          for (const persona of order) {
            const { id, team } = await fresh();
            const action = payloadsFor(kind, path.snapshot, type)[0];
            const before = await footprint(product, id);
            const reply = await http(keyOf(team, persona), 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, action);
            const what = `${persona} sends ${type} to ${kind.name} in ${path.rows.join(' | ')}: ${reply.status} ${JSON.stringify(reply.body)}`;
            tally.combinations++;
            if (reply.status >= 500) tally.serverErrors++;
            expect(reply.status, what).toBeLessThan(500);
            const role = roleOf(persona);
            const allowed = sees(persona, kind) && allowedRoles.has(role) && persona !== 'selfReviewer';
            if (!sees(persona, kind)) {
              expect(reply.status, what).toBe(404);
              tally.refused404++;
            } else if (!(spec.roles as readonly string[]).includes(role)) {
              expect(reply.status, what).toBe(403);
              tally.refused403++;
            } else if (persona === 'selfReviewer' && spec.decision && allowedRoles.has(role)) {
              expect(reply.body.error?.code, what).toBe('four_eyes');
              expect(reply.status, what).toBe(403);
              tally.fourEyes++;
            } else if (!allowed) {
              // The role may send it, but not now (or not on its own submission): never a success.
              expect([403, 409], what).toContain(reply.status);
              if (reply.status === 409) tally.refused409NotNow++;
              else tally.fourEyes++;
              if (final) expect(reply.body.error.code, what).toBe('process_ended');
            } else {
              // Allowed: it succeeds, or fails only on a precondition or payload, never for who sent it.
              expect([200, 409, 422], what).toContain(reply.status);
              if (reply.status === 200) {
                tally.allowedSucceeded++;
                current = undefined;
              } else tally.allowedRefusedByPrecondition++;
            }
            if (reply.status !== 200) expect(await footprint(product, id), `R73 ${what}`).toEqual(before);
          }
        }
        tally.statesCovered += path.rows.length;
      }
    },
    300_000,
  );
});

async function certifyTeam(team: Team) {
  const started = await http(team.partner.key, 'POST', '/v1/processes', { kind: 'business-certification', input: {} });
  expect(started.status).toBe(201);
  const id = started.body.id;
  expect((await http(team.partner.key, 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, { type: 'SUBMIT', licenseNumber: '91310000MA1K4AJ12X', materials: licence.materials })).status).toBe(200);
  expect((await http(product.people.wang.key, 'POST', `/v1/processes/${encodeURIComponent(id)}/actions`, { type: 'APPROVE' })).status).toBe(200);
}
