import { parseArgs } from 'node:util';
import {
  PartnerflowClient,
  PartnerflowError,
  type ManagedKeyView,
  type Migration,
  type MigrationPlan,
  type ProcessView,
  type Repair,
  type TaskItem,
  type WebhookDelivery,
  type WebhookEndpointView,
} from '../sdk';
import { toBeijingTime } from '../machines/time';
import { roles, type Role } from '../machines/types';
import { table } from './table';

/**
 * `npx partnerflow <command>`: the HTTP API for people at a terminal (tables with en and zh-CN labels,
 * times in GMT+08:00) and for scripts (`--json`). The API is named by PARTNERFLOW_URL and the key by
 * PARTNERFLOW_KEY (or --url / --key).
 *
 * Exit codes: 0 done; 1 the API refused (4xx: the reason is printed); 2 the command line is wrong;
 * 3 the API could not be reached or failed (5xx, 503: retry with the same --idempotency-key).
 */

const usage = `Usage: partnerflow <command> [options]

Commands:
  kinds [kind]                      the process kinds, or one kind's states and events
  start <kind>                      start a process: --input '{"project":"X"}' or --set project=X,
                                    --business-key K, --partner P (staff), --idempotency-key K
  show <id>                         a process: state, records, what you may do now
  list                              processes, newest first: --kind, --state, --partner, --waiting-for, --limit, --cursor
  act <id> <TYPE>                   send an event: --data '{"milestone":1}' or --set milestone=1,
                                    --comment C, --if-match VERSION, --idempotency-key K
  tasks                             your inbox, oldest first: --kind, --partner, --overdue, --claimed mine|unclaimed|any, --role
  claim <id> | release <id>         take a pending review, or let it go
  events <id>                       follow a process's steps as they happen (--after SEQ), until it ends
  notifications <partnerId>         the messages sent to a partner, newest first
  migrate <kind> --to N             ops: move the kind's open processes to version N now, and follow the batch;
                                    --dry-run only plans (moves or stays, why, and what-if), --process ID (repeat),
                                    --map FROM=TO (a state the versions do not share), --per-second N
  migration <id>                    ops: a migration's progress and each process's outcome
  keys [list]                       managed API keys (no secrets): --partner P (ops), --limit, --cursor
  keys create <identity> --role R   make a key, shown once: --partner P, --customer C, --expires ISO, --name N, --email E
  keys revoke <keyId>               revoke a key at once
  keys events [keyId]               the keys' audit list, newest first: --partner P
  webhooks [list]                   your webhook endpoints (no secrets)
  webhooks add <url>                register an endpoint, its secret shown once: --event process.step|process.notification (repeat)
  webhooks rotate <endpointId>      a new signing secret, shown once; the old one keeps signing for 24 h
  webhooks enable|disable <id>      send to it again, or stop (what is recorded meanwhile is kept, unsent)
  webhooks remove <endpointId>      delete it; deliveries not yet made are given up
  webhooks deliveries <endpointId>  its delivery log, newest first: --status given_up (what it missed), --limit, --cursor
  webhooks redeliver <endpointId> <deliveryId>...   send again, same webhook-id; --missed: every given-up one, oldest first

Repairs (ops, audited; docs/OPERATIONS.md):
  cancel <id> --reason R            ask the process's run to stop (timers end, the run closes as Canceled)
  terminate <id> --reason R         stop the run at once, finishing nothing
  reset <id> --reason R             re-run from the last completed workflow task on the current code;
                                    --to first-workflow-task, or --event-id N (a completed workflow task)
  resend-facts <id> --reason R      tell the process again the facts its partner has established
  release <id> [--reason R]         free a review someone holds (as ops: recorded as a repair)
  bills-run <YYYY-MM> --reason R    run a month's partner bills again (issued bills stay as they are)
  repairs [<id>]                    the repairs made, newest first: who, why, when, how it went

Options: --json (machine-readable output), --url URL (PARTNERFLOW_URL), --key KEY (PARTNERFLOW_KEY), -h, --help
Exit codes: 0 ok, 1 refused by the API, 2 usage error, 3 API unreachable or failing`;

class UsageError extends Error {}

const options = {
  json: { type: 'boolean' },
  url: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  input: { type: 'string' },
  data: { type: 'string' },
  set: { type: 'string', multiple: true },
  'business-key': { type: 'string' },
  partner: { type: 'string' },
  'idempotency-key': { type: 'string' },
  comment: { type: 'string' },
  'if-match': { type: 'string' },
  kind: { type: 'string' },
  state: { type: 'string' },
  'waiting-for': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  overdue: { type: 'boolean' },
  claimed: { type: 'string' },
  role: { type: 'string' },
  after: { type: 'string' },
  to: { type: 'string' },
  'dry-run': { type: 'boolean' },
  process: { type: 'string', multiple: true },
  map: { type: 'string', multiple: true },
  'per-second': { type: 'string' },
  reason: { type: 'string' },
  'event-id': { type: 'string' },
  customer: { type: 'string' },
  expires: { type: 'string' },
  name: { type: 'string' },
  email: { type: 'string' },
  event: { type: 'string', multiple: true },
  status: { type: 'string' },
  missed: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** `--input` / `--data` JSON merged with `--set key=value` pairs (a value that reads as JSON is taken as such: 1, true, "x"). */
function payloadOf(json: string | undefined, sets: string[] | undefined, flag: string): Record<string, unknown> {
  let payload: Record<string, unknown> = {};
  if (json !== undefined) {
    try {
      payload = JSON.parse(json);
    } catch (err) {
      throw new UsageError(`--${flag} is not valid JSON: ${(err as Error).message}`);
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new UsageError(`--${flag} must be a JSON object, e.g. '{"project":"X"}'.`);
  }
  for (const pair of sets ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set wants key=value, not "${pair}".`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    payload[pair.slice(0, eq)] = value;
  }
  return payload;
}

const integer = (text: string | undefined, flag: string) => {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number, not "${text}".`);
  return Number(text);
};

/** A role named on the command line: one of the API's roles, or a usage error naming them. */
const roleOf = (text: string | undefined, flag: string): Role | undefined => {
  if (text === undefined) return undefined;
  if (!(roles as readonly string[]).includes(text)) throw new UsageError(`--${flag} is one of ${roles.join(', ')}, not "${text}".`);
  return text as Role;
};

const needs = (positionals: string[], count: number, what: string) => {
  if (positionals.length < count) throw new UsageError(`Missing ${what}.`);
  if (positionals.length > count) throw new UsageError(`Unexpected argument "${positionals[count]}".`);
};

const bilingual = (label: { en: string; 'zh-CN': string }) => `${label['zh-CN']} · ${label.en}`;

function processTable(items: ProcessView[]): string {
  return table(
    ['id', 'kind', 'state', '状态', 'status', 'waiting for', 'due (GMT+08:00)', 'ver', 'created (GMT+08:00)'],
    items.map((p) => [p.id, p.kind, p.state, p.label['zh-CN'], p.label.en, p.waitingFor.join(','), p.dueAtLocal?.slice(0, 16).replace('T', ' '), p.version, p.createdAtLocal.slice(0, 16).replace('T', ' ')]),
  );
}

function taskTable(items: TaskItem[]): string {
  return table(
    ['id', 'kind', '状态', 'status', 'waiting since', 'due (GMT+08:00)', 'overdue', 'held by'],
    items.map((t) => [t.id, t.kind, t.label['zh-CN'], t.label.en, t.task.sinceLocal.slice(0, 16).replace('T', ' '), t.task.dueAtLocal?.slice(0, 16).replace('T', ' '), t.task.overdue ? 'OVERDUE 逾期' : '', t.task.claimedBy]),
  );
}

function processDetail(p: ProcessView): string {
  const lines = [
    `${p.id}`,
    `  ${bilingual(p.label)}   (${p.kind}, state ${p.state}${p.done ? ', ended · 已结束' : ''})`,
    `  partner ${p.partnerId}${p.businessKey ? `   business key ${p.businessKey}` : ''}   version ${p.version}`,
    `  waiting for ${p.waitingFor.join(', ') || 'nobody'}${p.dueAtLocal ? `   review due ${p.dueAtLocal.slice(0, 16).replace('T', ' ')} (GMT+08:00)` : ''}`,
    '',
    'Records · 记录',
    table(
      ['seq', 'at (GMT+08:00)', 'actor', 'role', 'event', 'from', 'to', 'comment'],
      (p.records ?? []).map((r) => [r.seq, r.atLocal.slice(0, 19).replace('T', ' '), r.actor, r.role, r.event, r.from, r.to, r.comment ?? r.reason]),
    ),
    '',
    'You may now · 可执行操作',
    p.allowedActions.length
      ? table(['type', '操作', 'action', 'params'], p.allowedActions.map((a) => [a.type, a.label['zh-CN'], a.label.en, a.params && Object.keys(a.params).length ? JSON.stringify(a.params) : '']))
      : '  nothing',
  ];
  return lines.join('\n');
}

function planTable(plan: MigrationPlan): string {
  const moves = plan.items.filter((i) => i.verdict === 'moves').length;
  const differs = plan.items.filter((i) => i.whatIf?.firstDifference).length;
  return [
    `${plan.kind} → v${plan.to}: ${moves} move, ${plan.items.length - moves} stay; ${differs} with a past v${plan.to} would not have taken (what-if)`,
    '',
    table(
      ['process', 'from', 'state', 'verdict', 'to state / why not', 'what-if'],
      plan.items.map((i) => {
        const d = i.whatIf?.firstDifference;
        return [i.processId, i.fromVersion === null ? '' : `v${i.fromVersion}`, i.state, i.verdict, i.verdict === 'moves' ? i.toState : `${i.code}: ${i.reason}`, d ? `step ${d.seq} ${d.event} ${d.outcome}: ${d.reason}` : ''];
      }),
    ),
  ].join('\n');
}

function migrationSummary(m: Migration): string {
  const head = `migration ${m.id}: ${m.kind} → v${m.to}, ${m.status}; moved ${m.moved}, stayed ${m.stayed}, failed ${m.failed}, pending ${m.pending}`;
  const notMoved = (m.items ?? []).filter((i) => i.outcome !== 'moved' && i.outcome !== 'pending');
  return notMoved.length ? `${head}\n\n${table(['process', 'outcome', 'why'], notMoved.map((i) => [i.processId, i.outcome, `${i.code}: ${i.reason}`]))}` : head;
}

function repairTable(items: Repair[]): string {
  return table(
    ['at (GMT+08:00)', 'process', 'repair', 'by', 'reason', 'outcome'],
    items.map((r) => [r.requestedAtLocal.slice(0, 19).replace('T', ' '), r.processId, r.action, r.actorId, r.reason, r.error ? `${r.outcome}: ${r.error}` : r.outcome]),
  );
}

function keyTable(items: ManagedKeyView[]): string {
  return table(
    ['keyId', 'prefix', 'identity', 'role', 'partner', 'status', 'created (GMT+08:00)', 'expires', 'last used'],
    items.map((k) => [k.keyId, k.prefix, k.id, k.role, k.partnerId, k.status, k.createdAtLocal.slice(0, 16).replace('T', ' '), k.expiresAtLocal?.slice(0, 16).replace('T', ' '), k.lastUsedAtLocal?.slice(0, 16).replace('T', ' ')]),
  );
}

const at = (iso: string | null | undefined) => iso && toBeijingTime(iso).slice(0, 16).replace('T', ' ');

function endpointTable(items: WebhookEndpointView[]): string {
  return table(
    ['id', 'url', 'events', 'enabled', 'failing since (GMT+08:00)', 'last success', 'created'],
    items.map((e) => [e.id, e.url, e.events.join(','), e.enabled ? 'yes 启用' : `no 停用: ${e.disabledReason ?? ''}`, at(e.failingSince), at(e.lastSuccessAt), at(e.createdAt)]),
  );
}

function deliveryTable(items: WebhookDelivery[]): string {
  return table(
    ['id (webhook-id)', 'process', 'seq', 'type', 'status', 'attempts', 'created (GMT+08:00)', 'answer'],
    items.map((d) => [d.id, d.processId, d.seq, d.type, d.status, d.attempts, d.createdAtLocal.slice(0, 19).replace('T', ' '), d.answer?.slice(0, 60)]),
  );
}

const deliveryStatuses = ['pending', 'sending', 'sent', 'failed', 'given_up'] as const;
const webhookEvents = ['process.step', 'process.notification'] as const;

const pageFooter = (next: string | undefined) => (next ? `\nmore: --cursor ${next}` : '');

export async function main(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t + '\n'), env = process.env): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true }));
  } catch (err) {
    process.stderr.write(`partnerflow: ${(err as Error).message}\n\n${usage}\n`);
    return 2;
  }
  const [command, ...args] = positionals;
  if (values.help || !command) {
    out(usage);
    return command || values.help ? 0 : 2;
  }
  const fail = (status: number, code: string, reason: string) =>
    process.stderr.write(values.json ? JSON.stringify({ error: { status, code, reason } }) + '\n' : `partnerflow: ${status ? `refused (${status} ${code})` : code}: ${reason}\n`);

  try {
    const url = values.url ?? env.PARTNERFLOW_URL;
    const key = values.key ?? env.PARTNERFLOW_KEY;
    if (!url) throw new UsageError('Name the API: set PARTNERFLOW_URL (e.g. http://127.0.0.1:3000) or pass --url.');
    if (!key) throw new UsageError('Give your API key: set PARTNERFLOW_KEY or pass --key.');
    const pf = new PartnerflowClient({ baseUrl: url, apiKey: key });
    const print = (data: unknown, human: () => string) => out(values.json ? JSON.stringify(data, null, 2) : human());

    switch (command) {
      case 'kinds': {
        if (args.length > 1) throw new UsageError(`Unexpected argument "${args[1]}".`);
        if (args[0]) {
          const kind = await pf.kind(args[0]);
          print(kind, () =>
            [
              `${kind.kind} v${kind.version}: ${bilingual(kind.title)} — started by ${kind.startedBy.join(', ')}`,
              '',
              table(['state', '状态', 'status', 'waits for', 'allowed events (roles)'], kind.states.map((s) => [s.id, s.label['zh-CN'], s.label.en, s.waitsFor, s.allowed.map((a) => `${a.event} (${a.roles.join('/')})`).join(', ')])),
              '',
              table(['event', '操作', 'action', 'roles'], kind.events.map((e) => [e.type, e.label['zh-CN'], e.label.en, e.roles.join(', ')])),
            ].join('\n'),
          );
        } else {
          const kinds = await pf.kinds();
          print(kinds, () => table(['kind', '名称', 'title', 'started by', 'once per partner'], kinds.map((k) => [k.kind, k.title['zh-CN'], k.title.en, k.startedBy.join(', '), k.oncePerPartner ? 'yes' : ''])));
        }
        return 0;
      }
      case 'start': {
        needs(args, 1, 'the kind to start, e.g. partnerflow start nre-milestones --set project=X');
        const input = payloadOf(values.input, values.set, 'input');
        const { created, process: p } = await pf.start(
          { kind: args[0], input, businessKey: values['business-key'], partnerId: values.partner },
          { idempotencyKey: values['idempotency-key'] },
        );
        print({ created, process: p }, () => `${created ? 'Started' : 'Already there (not started again)'}: ${processDetail(p)}`);
        return 0;
      }
      case 'show': {
        needs(args, 1, 'the process id');
        const p = await pf.view(args[0]);
        print(p, () => processDetail(p));
        return 0;
      }
      case 'list': {
        needs(args, 0, '');
        const page = await pf.list({ kind: values.kind, state: values.state, partnerId: values.partner, waitingFor: roleOf(values['waiting-for'], 'waiting-for'), limit: integer(values.limit, 'limit'), cursor: values.cursor });
        print(page, () => processTable(page.items) + pageFooter(page.next));
        return 0;
      }
      case 'act': {
        needs(args, 2, 'the process id and the event type, e.g. partnerflow act <id> APPROVE --comment "OK"');
        const payload = payloadOf(values.data, values.set, 'data');
        if (values.comment !== undefined) payload.comment = values.comment;
        const p = await pf.act(args[0], { ...payload, type: args[1] }, { idempotencyKey: values['idempotency-key'], ifMatch: integer(values['if-match'], 'if-match') });
        print(p, () => processDetail(p));
        return 0;
      }
      case 'tasks': {
        needs(args, 0, '');
        const claimed = values.claimed;
        if (claimed !== undefined && claimed !== 'mine' && claimed !== 'unclaimed' && claimed !== 'any') throw new UsageError('--claimed is mine, unclaimed or any.');
        const page = await pf.tasks({ kind: values.kind, partnerId: values.partner, overdue: values.overdue, claimed, role: roleOf(values.role, 'role'), limit: integer(values.limit, 'limit'), cursor: values.cursor });
        print(page, () => (page.items.length ? taskTable(page.items) : 'Nothing waits for you · 暂无待办') + pageFooter(page.next));
        return 0;
      }
      case 'claim':
      case 'release': {
        needs(args, 1, 'the process id');
        const item = command === 'claim' ? await pf.claim(args[0]) : await pf.release(args[0], values.reason);
        print(item, () => taskTable([item]));
        return 0;
      }
      case 'cancel':
      case 'terminate':
      case 'reset':
      case 'resend-facts': {
        needs(args, 1, `the process id, e.g. partnerflow ${command} <id> --reason "why"`);
        if (!values.reason) throw new UsageError(`Say why with --reason: it is kept in the audit.`);
        if (command !== 'reset' && (values.to !== undefined || values['event-id'] !== undefined)) throw new UsageError('--to and --event-id are for reset.');
        if (values.to !== undefined && values.to !== 'last-workflow-task' && values.to !== 'first-workflow-task') throw new UsageError('--to is last-workflow-task or first-workflow-task.');
        const to = values.to as 'last-workflow-task' | 'first-workflow-task' | undefined;
        const request =
          command === 'reset'
            ? { action: command, reason: values.reason, ...(to ? { to } : {}), ...(values['event-id'] !== undefined ? { eventId: integer(values['event-id'], 'event-id') } : {}) }
            : { action: command, reason: values.reason };
        const repair = await pf.repair(args[0], request);
        print(repair, () => repairTable([repair]));
        return 0;
      }
      case 'bills-run': {
        needs(args, 1, 'the month, e.g. partnerflow bills-run 2026-05 --reason "why"');
        if (!values.reason) throw new UsageError(`Say why with --reason: it is kept in the audit.`);
        const repair = await pf.rerunBills({ month: args[0], reason: values.reason });
        print(repair, () => repairTable([repair]));
        return 0;
      }
      case 'repairs': {
        if (args.length > 1) throw new UsageError(`Unexpected argument "${args[1]}".`);
        const page = await pf.repairs({ processId: args[0], limit: integer(values.limit, 'limit'), cursor: values.cursor });
        print(page, () => (page.items.length ? repairTable(page.items) : 'No repairs · 暂无修复记录') + pageFooter(page.next));
        return 0;
      }
      case 'events': {
        needs(args, 1, 'the process id');
        for await (const e of pf.events(args[0], { after: integer(values.after, 'after') })) {
          out(values.json ? JSON.stringify(e) : `${e.seq}  ${e.atLocal.slice(0, 19).replace('T', ' ')}  ${e.actor} (${e.role})  ${e.event}  ${e.from ?? '∅'} → ${e.to}${e.comment ? `  “${e.comment}”` : ''}`);
        }
        return 0;
      }
      case 'notifications': {
        needs(args, 1, 'the partner id');
        const page = await pf.notifications(args[0], { limit: integer(values.limit, 'limit'), cursor: values.cursor });
        print(page, () =>
          table(['id', 'process', 'seq', 'channel', 'to', 'subject', 'status', 'at (GMT+08:00)'], page.items.map((n) => [n.id, n.processId, n.seq, n.channel, n.recipient, n.subject, n.status, n.createdAtLocal.slice(0, 16).replace('T', ' ')])) +
            pageFooter(page.next),
        );
        return 0;
      }
      case 'migrate': {
        needs(args, 1, 'the kind, e.g. partnerflow migrate nre-milestones --to 2 --dry-run');
        const to = integer(values.to, 'to');
        if (to === undefined) throw new UsageError('Name the version to move to: --to N.');
        const mapping = Object.fromEntries(
          (values.map ?? []).map((pair) => {
            const [from, target, ...rest] = pair.split('=');
            if (!from || !target || rest.length) throw new UsageError(`--map wants FROM=TO, not "${pair}".`);
            return [from, target];
          }),
        );
        const request = { kind: args[0], to, ...(values.process ? { processIds: values.process } : {}), ...(values.map ? { mapping } : {}) };
        if (values['dry-run']) {
          const plan = await pf.planMigration(request);
          print(plan, () => planTable(plan));
          return 0;
        }
        const { id } = await pf.startMigration({ ...request, perSecond: integer(values['per-second'], 'per-second') });
        if (!values.json) out(`migration ${id} started`);
        for (;;) {
          const m = await pf.migration(id);
          if (m.status === 'done') {
            print(m, () => migrationSummary(m));
            return m.failed > 0 ? 1 : 0;
          }
          if (!values.json) out(`  moved ${m.moved}, stayed ${m.stayed}, failed ${m.failed}, pending ${m.pending}`);
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
      case 'migration': {
        needs(args, 1, 'the migration id');
        const m = await pf.migration(args[0]);
        print(m, () => migrationSummary(m));
        return 0;
      }
      case 'keys': {
        const [sub = 'list', ...rest] = args;
        if (sub === 'list') {
          needs(rest, 0, '');
          const page = await pf.keys({ partnerId: values.partner, limit: integer(values.limit, 'limit'), cursor: values.cursor });
          print(page, () => (page.items.length ? keyTable(page.items) : 'No managed keys · 暂无密钥') + pageFooter(page.next));
        } else if (sub === 'create') {
          needs(rest, 1, 'the identity the key acts as, e.g. partnerflow keys create billing-app@acme --role partner');
          if (!values.role) throw new UsageError('Name the role of the key: --role partner (or manager, customer, reviewer, ops, system).');
          const made = await pf.createKey({ id: rest[0], role: roleOf(values.role, 'role')!, partnerId: values.partner, customerId: values.customer, expiresAt: values.expires, name: values.name, email: values.email });
          print(made, () => `${keyTable([made])}\n\nThe key (shown this once; keep it safe) · 密钥（仅显示一次）:\n${made.key}`);
        } else if (sub === 'revoke') {
          needs(rest, 1, 'the keyId to revoke');
          const revoked = await pf.revokeKey(rest[0]);
          print(revoked, () => keyTable([revoked]));
        } else if (sub === 'events') {
          if (rest.length > 1) throw new UsageError(`Unexpected argument "${rest[1]}".`);
          const page = await pf.keyEvents({ keyId: rest[0], partnerId: values.partner, limit: integer(values.limit, 'limit'), cursor: values.cursor });
          print(page, () =>
            table(['at (GMT+08:00)', 'event', 'keyId', 'identity', 'role', 'partner', 'by'], page.items.map((e) => [e.atLocal.slice(0, 19).replace('T', ' '), e.event, e.keyId, e.identityId, e.role, e.partnerId, `${e.actorId} (${e.actorRole})`])) +
              pageFooter(page.next),
          );
        } else throw new UsageError(`Unknown keys command "${sub}": list, create, revoke or events.`);
        return 0;
      }
      case 'webhooks': {
        const [sub = 'list', ...rest] = args;
        if (sub === 'list') {
          needs(rest, 0, '');
          const items = await pf.webhooks();
          print(items, () => (items.length ? endpointTable(items) : 'No webhook endpoints · 暂无 Webhook 端点'));
        } else if (sub === 'add' || sub === 'rotate') {
          needs(rest, 1, sub === 'add' ? 'the URL to deliver to, e.g. partnerflow webhooks add https://app.example/hooks' : 'the endpoint id');
          for (const e of values.event ?? [])
            if (!(webhookEvents as readonly string[]).includes(e)) throw new UsageError(`--event is one of ${webhookEvents.join(', ')}, not "${e}".`);
          const events = values.event as Array<(typeof webhookEvents)[number]> | undefined;
          const made = sub === 'add' ? await pf.createWebhook({ url: rest[0], ...(events ? { events } : {}) }) : await pf.rotateWebhookSecret(rest[0]);
          print(made, () => `${endpointTable([made])}

The signing secret (shown this once; keep it safe) · 签名密钥（仅显示一次）:
${made.secret}`);
        } else if (sub === 'enable' || sub === 'disable') {
          needs(rest, 1, 'the endpoint id');
          const changed = await pf.updateWebhook(rest[0], { enabled: sub === 'enable' });
          print(changed, () => endpointTable([changed]));
        } else if (sub === 'remove') {
          needs(rest, 1, 'the endpoint id');
          await pf.deleteWebhook(rest[0]);
          print({ id: rest[0], deleted: true }, () => `Deleted ${rest[0]} · 已删除`);
        } else if (sub === 'deliveries') {
          needs(rest, 1, 'the endpoint id');
          const status = values.status;
          if (status !== undefined && !(deliveryStatuses as readonly string[]).includes(status)) throw new UsageError(`--status is one of ${deliveryStatuses.join(', ')}, not "${status}".`);
          const page = await pf.webhookDeliveries(rest[0], { status: status as (typeof deliveryStatuses)[number] | undefined, limit: integer(values.limit, 'limit'), cursor: values.cursor });
          print(page, () => (page.items.length ? deliveryTable(page.items) : 'No deliveries · 暂无投递') + pageFooter(page.next));
        } else if (sub === 'redeliver') {
          const [endpointId, ...ids] = rest;
          if (!endpointId) throw new UsageError('Missing the endpoint id.');
          if (Boolean(values.missed) === ids.length > 0) throw new UsageError('Name the deliveries to send again, or --missed for every given-up one (not both).');
          let targets = ids;
          if (values.missed) {
            const missed: WebhookDelivery[] = [];
            let cursor: string | undefined;
            do {
              const page = await pf.webhookDeliveries(endpointId, { status: 'given_up', limit: 100, cursor });
              missed.push(...page.items);
              cursor = page.next;
            } while (cursor);
            // Oldest first, so a process's steps arrive in their order.
            targets = missed.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.processId.localeCompare(b.processId) || a.seq - b.seq).map((d) => d.id);
          }
          const sent: WebhookDelivery[] = [];
          for (const id of targets) sent.push(await pf.redeliver(endpointId, id));
          print(sent, () => (sent.length ? deliveryTable(sent) : 'Nothing to redeliver · 无需重新投递'));
        } else throw new UsageError(`Unknown webhooks command "${sub}": list, add, rotate, enable, disable, remove, deliveries or redeliver.`);
        return 0;
      }
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      fail(0, 'usage', `${err.message}\n\n${usage}`);
      return 2;
    }
    if (err instanceof PartnerflowError) {
      fail(err.status, err.code, err.reason);
      return err.status >= 400 && err.status < 500 ? 1 : 3;
    }
    fail(0, 'failed', (err as Error).message);
    return 3;
  }
}
