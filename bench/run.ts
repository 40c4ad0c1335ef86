/**
 * `npm run bench`: the product against bare Temporal, on a dev server of its own (docs/PERFORMANCE.md).
 *
 *   --n 1000           lifecycles per side (each: onboarding + NRE milestones, 2 processes, 12 transitions)
 *   --idle-n 20        lifecycles per side run one at a time (concurrency 1), for the idle action latency
 *   --concurrency 32   lifecycles in flight at once
 *   --runs 3           runs, sides alternating first; the medians are reported
 *   --workers 1        worker processes per side
 *   --quick            a few lifecycles, one run, no docs: proves the benchmark still works
 *   --scale            10,000 open processes on one worker, then one worker against two
 *   --cluster          one worker process against two on a real Temporal cluster (the official server on
 *                      PostgreSQL, as `npm run cluster` runs it, in a temporary folder), records in PostgreSQL
 *   --open 10000       processes held open by --scale
 *   --profile DIR      CPU profiles of the workers (--cpu-prof) into DIR
 *   --server-db memory   the dev server's state in memory (default) or in a SQLite `file`
 *   --only product     run one side alone (no ratios, no docs): to weigh a change to that side
 *   --report FILE      report a results file again (its table and ratio line, into docs/PERFORMANCE.md), running nothing
 *   --decompose        also run bare Temporal writing the product's search attributes (`bare-sa`): what
 *                      the ops view alone costs the engine
 *   --out DIR          results folder (default bench/results); --no-doc leaves docs/PERFORMANCE.md alone
 *   --migrate 1000     instead: how long moving that many open processes to another version of their kind takes
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { dataConverter } from '../worker/codec';
import { clusterDown, clusterUp } from '../scripts/cluster';
import { freePort, startDevServer } from '../scripts/devServer';
import { workflowBundleOptions } from '../worker/bundle';
import { openMany, runSide, type Bundle, type PhaseContext, type Side, type SideResult } from './phase';
import { machineFacts, ratioLine, replaceSection, resultsFile, summaryTable, writeResults, type Ratios, type Summary } from './report';
import { median, round } from './stats';
import { benchMigration } from './migrate';

const root = path.join(__dirname, '..');
const usage = 'npm run bench -- [--migrate N] [--quick] [--n N] [--idle-n N] [--concurrency N] [--runs N] [--workers N] [--scale [--open N]] [--cluster] [--profile DIR] [--out DIR] [--no-doc] [--server-db memory|file] [--only product|bare|bare-floor|bare-sa] [--decompose] [--report FILE]';

/** A wrong command line is told in one line with the usage, never a stack trace. */
function refuse(reason: string): never {
  console.error(`${reason}\nUsage: ${usage}`);
  process.exit(2);
}

const options = {
  n: { type: 'string' },
  concurrency: { type: 'string' },
  runs: { type: 'string' },
  workers: { type: 'string', default: '1' },
  quick: { type: 'boolean', default: false },
  scale: { type: 'boolean', default: false },
  cluster: { type: 'boolean', default: false },
  open: { type: 'string', default: '10000' },
  profile: { type: 'string' },
  out: { type: 'string', default: path.join(root, 'bench/results') },
  'no-doc': { type: 'boolean', default: false },
  'server-db': { type: 'string', default: 'memory' },
  only: { type: 'string' },
  decompose: { type: 'boolean', default: false },
  report: { type: 'string' },
  migrate: { type: 'string' },
  'idle-n': { type: 'string' },
} as const;
let args: ReturnType<typeof parseArgs<{ options: typeof options }>>['values'];
try {
  ({ values: args } = parseArgs({ options }));
} catch (error) {
  refuse((error as Error).message);
}

const int = (name: string, value: string | undefined, fallback: number) => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) refuse(`--${name} must be a whole number of at least 1, not "${value}".`);
  return n;
};
const n = int('n', args.n, args.quick ? 3 : 1000);
const concurrency = int('concurrency', args.concurrency, args.quick ? 3 : 32);
const runs = int('runs', args.runs, args.quick ? 1 : 3);
const workers = int('workers', args.workers, 1);
const idleN = int('idle-n', args['idle-n'], args.quick ? 2 : 20);
const only = args.only as Side | undefined;
if (only !== undefined && !['product', 'bare', 'bare-floor', 'bare-sa'].includes(only)) refuse(`--only must be product, bare, bare-floor or bare-sa, not "${only}".`);
const writeDoc = !args.quick && !args['no-doc'] && !only;
if (args.cluster && args.scale) refuse('--cluster and --scale are two different runs: choose one.');
const docPath = path.join(root, 'docs/PERFORMANCE.md');
const log = (line: string) => console.log(line);

/** The median of each measure over the runs of one side. */
function summarize(results: SideResult[]): Summary {
  const m = (pick: (r: SideResult) => number) => round(median(results.map(pick)), 2);
  return {
    processesPerSecond: m((r) => r.processesPerSecond),
    transitionsPerSecond: m((r) => r.transitionsPerSecond),
    updateLatencyMs: { p50: m((r) => r.updateLatencyMs.p50), p95: m((r) => r.updateLatencyMs.p95), p99: m((r) => r.updateLatencyMs.p99) },
    historyEventsPerTransition: m((r) => r.historyEventsPerTransition),
    workerRssMB: { max: m((r) => r.workerRssMB.max), end: m((r) => r.workerRssMB.end) },
    workerCpuMsPerTransition: m((r) => r.workerCpuMsPerTransition),
    serverCpuMsPerTransition: m((r) => r.serverCpuMsPerTransition),
    clientCpuMsPerTransition: m((r) => r.clientCpuMsPerTransition),
  };
}

/** What every phase shares: the bundles, the payload key and where to put their files. */
interface Setup {
  workDir: string;
  bundles: Record<Bundle, string>;
  payloadKey: string;
}

/** Runs `phase` against a dev server of its own, started empty and stopped after. */
async function withServer<T>(setup: Setup, phase: (ctx: PhaseContext) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(setup.workDir, 'server-'));
  const server = await startDevServer({ dataDir, persist: args['server-db'] === 'file', port: await freePort(), uiPort: await freePort(), ui: false, log: (line) => log(`[temporal] ${line}`) });
  try {
    const connection = await Connection.connect({ address: server.address });
    try {
      return await phase({
        temporal: new Client({ connection }),
        // The product runs with its payload codec on, as in production: one key for the run, shared with its workers.
        productTemporal: new Client({ connection, dataConverter: dataConverter({ PAYLOAD_KEY: setup.payloadKey, dataDir: setup.workDir }) }),
        address: server.address,
        bundles: setup.bundles,
        workDir: setup.workDir,
        workerEnv: { PAYLOAD_KEY: setup.payloadKey },
        serverPid: server.pid,
        cpuProfileDir: args.profile ? path.resolve(args.profile) : undefined,
        log,
      });
    } finally {
      await connection.close();
    }
  } finally {
    await server.stop();
  }
}

/** Runs `phase` against a Temporal cluster of its own (scripts/cluster.ts), its records store on the cluster's PostgreSQL. */
async function withCluster<T>(setup: Setup, phase: (ctx: PhaseContext) => Promise<T>): Promise<T> {
  const dataDir = fs.mkdtempSync(path.join(setup.workDir, 'cluster-'));
  // As root PostgreSQL runs as its own user, in a folder beside dataDir (postgresFolder): it must reach it.
  fs.chmodSync(setup.workDir, 0o755);
  const cluster = await clusterUp({ dataDir, log: (line) => log(`[cluster] ${line}`) });
  try {
    const connection = await Connection.connect({ address: cluster.address });
    try {
      return await phase({
        temporal: new Client({ connection }),
        productTemporal: new Client({ connection, dataConverter: dataConverter({ PAYLOAD_KEY: setup.payloadKey, dataDir: setup.workDir }) }),
        address: cluster.address,
        bundles: setup.bundles,
        workDir: setup.workDir,
        workerEnv: { PAYLOAD_KEY: setup.payloadKey, DATABASE_URL: cluster.databaseUrl },
        serverPid: cluster.temporalPid,
        cpuProfileDir: args.profile ? path.resolve(args.profile) : undefined,
        log,
      });
    } finally {
      await connection.close();
    }
  } finally {
    await clusterDown({ dataDir, log: (line) => log(`[cluster] ${line}`) });
  }
}

async function main() {
  if (args.migrate !== undefined) {
    await benchMigration(int('migrate', args.migrate, 1000), { writeDoc: !args['no-doc'], docPath, log });
    return;
  }
  if (args.report) {
    // Only what was measured is read back; what was concluded from it is concluded again.
    let read: RunRecord;
    try {
      read = JSON.parse(fs.readFileSync(args.report, 'utf8')) as RunRecord;
    } catch (error) {
      refuse(`--report ${args.report}: ${(error as Error).message}`);
    }
    const { at, machine, options, runs: measured } = read;
    if (!measured?.product?.length || !measured?.bare?.length) refuse(`${args.report} holds no comparison of both sides.`);
    return report({ at, machine, options, runs: measured }, args.report);
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerflow-bench-'));
  const machine = { ...machineFacts() };
  log(`Benchmark: ${args.cluster ? `cluster, ${n} lifecycles, concurrency ${concurrency}, 1 worker then 2` : args.scale ? 'scale' : `${n} lifecycles per side, concurrency ${concurrency}, ${runs} run(s), ${workers} worker(s)`}; ${machine.cpus} CPUs, load ${machine.loadAverage.join(' ')}`);
  if (args['server-db'] !== 'memory' && args['server-db'] !== 'file') refuse(`--server-db must be memory or file, not "${args['server-db']}".`);
  try {
    const logger = new DefaultLogger('WARN');
    const bundles = {} as Record<Bundle, string>;
    const options = { product: workflowBundleOptions, bare: { workflowsPath: path.join(root, 'bench/bare/workflows.ts') } };
    for (const side of ['product', 'bare'] as const) {
      const { code } = await bundleWorkflowCode({ ...options[side], logger });
      bundles[side] = path.join(workDir, `${side}-bundle.js`);
      fs.writeFileSync(bundles[side], code);
    }
    if (args.profile) fs.mkdirSync(args.profile, { recursive: true });
    const setup: Setup = { workDir, bundles, payloadKey: randomBytes(32).toString('base64') };
    if (args.cluster) await withCluster(setup, (ctx) => clusterWorkers(ctx, machine));
    else if (args.scale) await withServer(setup, (ctx) => scale(ctx, machine));
    else await compare(setup, machine);
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

async function compare(setup: Setup, machine: ReturnType<typeof machineFacts>) {
  const results: Record<Side, SideResult[]> = { product: [], bare: [], 'bare-floor': [], 'bare-sa': [] };
  const idle: Record<Side, SideResult[]> = { product: [], bare: [], 'bare-floor': [], 'bare-sa': [] };
  for (let run = 0; run < runs; run++) {
    // Each side runs on a server of its own, started empty: a server slows as its store fills, and
    // whichever side ran second would pay for the first. Sides alternate which goes first, so a
    // neighbour's load favours neither.
    const sides: Side[] = only ? [only] : ['bare', 'bare-floor', 'product', ...(args.decompose ? (['bare-sa'] as const) : [])];
    const order = run % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const result = await withServer(setup, (ctx) => runSide(ctx, side, { n, concurrency, workers, tag: `r${run}` }));
      results[side].push(result);
      // One action at a time: what a person waits for when the system is not busy.
      const quiet = await withServer(setup, (ctx) => runSide(ctx, side, { n: idleN, concurrency: 1, workers, tag: `i${run}` }));
      idle[side].push(quiet);
      log(
        `run ${run + 1}/${runs} ${side.padEnd(10)}: ${result.transitionsPerSecond} transitions/s, p99 ${result.updateLatencyMs.p99} ms, idle p50 ${quiet.updateLatencyMs.p50} ms, ` +
          `${result.historyEventsPerTransition} events/transition, RSS ${result.workerRssMB.max} MB, CPU ms/transition: worker ${result.workerCpuMsPerTransition}, server ${result.serverCpuMsPerTransition}, client ${result.clientCpuMsPerTransition} (${result.seconds} s, load ${os.loadavg()[0].toFixed(2)})`,
      );
    }
  }
  if (only) {
    log(`${only} alone, median of ${runs}: ${JSON.stringify(summarize(results[only]))}; idle p50 ${median(idle[only].map((r) => r.updateLatencyMs.p50))} ms`);
    return;
  }
  const options = { n, idleN, concurrency, runs, workers, quick: args.quick, decompose: args.decompose };
  const at = new Date().toISOString();
  const record = { at, machine: { ...machine, loadAverageAfter: os.loadavg().map((l) => round(l)) }, options, runs: results, idle };
  // The measures and what they say are filed together, once.
  report(record, resultsFile(args.out!));
}

/** Each run's product ÷ bare, from sides measured back to back; their median is what the goals are checked on. */
function pairedRatios(product: SideResult[], bare: SideResult[]) {
  const runsMeasured = Math.min(product.length, bare.length);
  const each = Array.from({ length: runsMeasured }, (_, i) => ({
    throughput: product[i].transitionsPerSecond / bare[i].transitionsPerSecond,
    p99Latency: product[i].updateLatencyMs.p99 / bare[i].updateLatencyMs.p99,
    extraHistoryEventsPerTransition: product[i].historyEventsPerTransition - bare[i].historyEventsPerTransition,
  }));
  const median_ = (pick: (r: (typeof each)[number]) => number) => round(median(each.map(pick)));
  const ratios: Ratios = {
    throughput: median_((r) => r.throughput),
    p99Latency: median_((r) => r.p99Latency),
    extraHistoryEventsPerTransition: median_((r) => r.extraHistoryEventsPerTransition),
  };
  return { each, ratios };
}

interface RunRecord {
  at: string;
  machine: ReturnType<typeof machineFacts> & { loadAverageAfter: number[] };
  options: { n: number; idleN?: number; concurrency: number; runs: number; workers: number; decompose?: boolean };
  runs: Record<Side, SideResult[]>;
  /** The same sides run one action at a time (concurrency 1); absent in results filed before it was measured. */
  idle?: Record<Side, SideResult[]>;
}

/**
 * Prints and files what a comparison measured: the sides' medians, and the goals checked on the median
 * of each run's own ratio. A run's sides are measured minutes apart, whereas the first and last runs
 * are half an hour apart, and this shared machine's speed drifts by more than the goals' margin over
 * that time: a ratio of the sides' medians can pair a fast hour's baseline with a slow hour's product.
 */
function report(record: RunRecord, file: string) {
  const { runs: results, machine, options } = record;
  const product = summarize(results.product);
  const bare = summarize(results.bare);
  const floorRuns = results['bare-floor'] ?? [];
  const floor = floorRuns.length ? summarize(floorRuns) : undefined;
  const { each, ratios } = pairedRatios(results.product, results.bare);
  const vsFloor = floorRuns.length ? pairedRatios(results.product, floorRuns) : undefined;
  const idleP50 = (side: Side) => (record.idle?.[side]?.length ? median(record.idle[side].map((r) => r.updateLatencyMs.p50)) : undefined);
  const idleEach = record.idle?.product?.length ? record.idle.product.map((r, i) => r.updateLatencyMs.p50 / record.idle!.bare[i].updateLatencyMs.p50) : [];
  const idleRatio = idleEach.length ? round(median(idleEach)) : undefined;
  const perRun =
    `per run (product ÷ bare, measured back to back): throughput ${each.map((r) => r.throughput.toFixed(2)).join(', ')}; p99 latency ${each.map((r) => r.p99Latency.toFixed(2)).join(', ')}` +
    (vsFloor ? `; product ÷ bare-floor: throughput ${vsFloor.each.map((r) => r.throughput.toFixed(2)).join(', ')}` : '') +
    (idleEach.length ? `; idle p50 product ÷ bare: ${idleEach.map((r) => r.toFixed(2)).join(', ')}` : '');
  // What the ops view's search attributes alone cost bare Temporal: the part of the product's cost that is the engine's.
  const withSearch = results['bare-sa']?.length ? pairedRatios(results['bare-sa'], results.bare) : undefined;
  const searchLine = withSearch
    ? `bare Temporal writing the product's search attributes ÷ bare (median per run): throughput ${withSearch.ratios.throughput.toFixed(2)}, p99 latency ${withSearch.ratios.p99Latency.toFixed(2)}, ` +
      `${withSearch.ratios.extraHistoryEventsPerTransition} extra events per transition; runs ${withSearch.each.map((r) => r.throughput.toFixed(2)).join(', ')}`
    : '';
  // Issue 19's goals: against the floor for throughput, against bare for latency, events in absolute terms.
  const goals = { throughputVsFloorAtLeast: 0.9, p99VsBareAtMost: 0.7, historyEventsPerTransitionAtMost: 10, idleP50VsBareAtMost: 0.4 };
  const checks = {
    throughputVsFloor: vsFloor ? vsFloor.ratios.throughput >= goals.throughputVsFloorAtLeast : undefined,
    p99VsBare: ratios.p99Latency <= goals.p99VsBareAtMost,
    historyEvents: product.historyEventsPerTransition <= goals.historyEventsPerTransitionAtMost,
    idleP50VsBare: idleRatio === undefined ? undefined : idleRatio <= goals.idleP50VsBareAtMost,
  };
  const met = Object.values(checks).every((c) => c !== false);
  fs.writeFileSync(
    file,
    JSON.stringify({ ...record, product, bare, ...(floor ? { bareFloor: floor } : {}), ratios, ratiosEachRun: each, ...(vsFloor ? { ratiosVsFloor: vsFloor.ratios } : {}), idleP50Ratio: idleRatio, goals, checks, goalsMet: met, ...(withSearch ? { searchAttributesAlone: withSearch } : {}) }, null, 2) + '\n',
  );
  const table = summaryTable({ product, bare, floor }, { product: idleP50('product'), bare: idleP50('bare'), floor: idleP50('bare-floor') });
  const { n: lifecycles, runs: runCount } = options;
  const floorLine = vsFloor ? `ratio vs bare-floor: throughput ${vsFloor.ratios.throughput.toFixed(2)}, p99 latency ${vsFloor.ratios.p99Latency.toFixed(2)}` : '';
  const goalLine =
    `goals ${met ? 'met' : 'NOT met'} (median per run): throughput ≥ 0.90 × bare-floor (${vsFloor ? vsFloor.ratios.throughput.toFixed(2) : 'not measured'}), ` +
    `p99 ≤ 0.70 × bare (${ratios.p99Latency.toFixed(2)}), history events / transition ≤ 10 (${product.historyEventsPerTransition}), ` +
    `idle action latency p50 ≤ 0.40 × bare (${idleRatio === undefined ? 'not measured' : idleRatio.toFixed(2)})`;
  log('');
  log(`Median of ${runCount} run(s), ${lifecycles} lifecycles per side (${lifecycles * 2} processes, ${lifecycles * 12} transitions), concurrency ${options.concurrency}:`);
  log(table);
  log(perRun);
  log(goalLine);
  if (floorLine) log(floorLine);
  if (searchLine) log(searchLine);
  log(`results: ${path.relative(process.cwd(), file)}`);
  if (writeDoc) {
    replaceSection(
      docPath,
      'summary',
      `Measured ${record.at.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGB} GB, Node ${machine.node}, ` +
        `load average ${machine.loadAverage[0]} at the start; ${lifecycles} lifecycles per side, concurrency ${options.concurrency}, ${options.workers} worker(s), median of ${runCount} run(s) ` +
        `([${path.basename(file)}](../bench/results/${path.basename(file)})). The table gives each side's medians; the ratio lines, the median of each run's own ratio.\n\n` +
        `${table}\n\n${perRun}\n\n${goalLine}\n\n${searchLine ? `${searchLine}\n\n` : ''}${ratioLine(ratios)}${floorLine ? `\n\n${floorLine}` : ''}`,
    );
    log(`docs/PERFORMANCE.md updated`);
  }
  log(ratioLine(ratios));
}

async function scale(ctx: PhaseContext, machine: ReturnType<typeof machineFacts>) {
  const openCount = int('open', args.open, 10_000);
  log(`Opening ${openCount} processes on one worker…`);
  const open = await openMany(ctx, { n: openCount, concurrency: Math.max(concurrency, 64), tag: 'scale' });
  log(`${open.opened} open (${open.runningOnServer ?? '?'} running on the server), ${open.startsPerSecond} starts/s; worker RSS ${open.workerRssMB.before} → ${open.workerRssMB.after} MB: ${open.kBPerOpenProcess} kB per open process`);
  const throughput: Record<string, SideResult> = {};
  for (const count of [1, 2]) {
    throughput[count] = await runSide(ctx, 'product', { n, concurrency, workers: count, tag: `w${count}` });
    log(`${count} worker(s): ${throughput[count].transitionsPerSecond} transitions/s, p99 ${throughput[count].updateLatencyMs.p99} ms`);
  }
  const gain = round(throughput[2].transitionsPerSecond / throughput[1].transitionsPerSecond);
  const file = writeResults(args.out!, { at: new Date().toISOString(), machine: { ...machine, loadAverageAfter: os.loadavg().map((l) => round(l)) }, options: { scale: true, open: openCount, n, concurrency }, open, workers: throughput, twoWorkerGain: gain });
  log(`two workers ÷ one: throughput ${gain.toFixed(2)}; results: ${path.relative(process.cwd(), file)}`);
  if (writeDoc) {
    const row = (k: string) => `| ${k} | ${throughput[k].transitionsPerSecond} | ${throughput[k].processesPerSecond} | ${throughput[k].updateLatencyMs.p99} | ${throughput[k].workerRssMB.max} |`;
    replaceSection(
      docPath,
      'scale',
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine.cpus} CPUs, ${machine.memoryGB} GB, Node ${machine.node}, load average ${machine.loadAverage[0]} at the start ` +
        `([${path.basename(file)}](../bench/results/${path.basename(file)})).\n\n` +
        `- **${open.opened} processes open at once on one worker** (every one in the worker's cache): worker RSS ${open.workerRssMB.before} MB → ${open.workerRssMB.after} MB, ` +
        `**${open.kBPerOpenProcess} kB per open process**; ${open.startsPerSecond} starts/s.\n` +
        `- **One worker process against two** (${n} lifecycles, concurrency ${concurrency}): throughput × ${gain.toFixed(2)}.\n\n` +
        `| workers | transitions/s | processes/s | Update p99 (ms) | worker RSS, all (MB) |\n|---:|---:|---:|---:|---:|\n${row('1')}\n${row('2')}`,
    );
    log(`docs/PERFORMANCE.md updated`);
  }
}

/** One worker process against two on the cluster: the same workload, records in PostgreSQL. */
async function clusterWorkers(ctx: PhaseContext, machine: ReturnType<typeof machineFacts>) {
  const throughput: Record<string, SideResult> = {};
  for (const count of [1, 2]) {
    throughput[count] = await runSide(ctx, 'product', { n, concurrency, workers: count, tag: `c${count}` });
    log(`${count} worker(s) on the cluster: ${throughput[count].transitionsPerSecond} transitions/s, p99 ${throughput[count].updateLatencyMs.p99} ms, server CPU ${throughput[count].serverCpuMsPerTransition} ms/transition`);
  }
  const gain = round(throughput[2].transitionsPerSecond / throughput[1].transitionsPerSecond);
  const file = writeResults(args.out!, { at: new Date().toISOString(), machine: { ...machine, loadAverageAfter: os.loadavg().map((l) => round(l)) }, options: { cluster: true, n, concurrency }, workers: throughput, twoWorkerGain: gain });
  log(`two workers ÷ one on the cluster: throughput ${gain.toFixed(2)}; results: ${path.relative(process.cwd(), file)}`);
  if (writeDoc) {
    const row = (k: string) =>
      `| ${k} | ${throughput[k].transitionsPerSecond} | ${throughput[k].processesPerSecond} | ${throughput[k].updateLatencyMs.p50} | ${throughput[k].updateLatencyMs.p99} | ${throughput[k].workerCpuMsPerTransition} | ${throughput[k].serverCpuMsPerTransition} | ${throughput[k].workerRssMB.max} |`;
    replaceSection(
      docPath,
      'cluster',
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine.cpus} CPUs, ${machine.memoryGB} GB, Node ${machine.node}, load average ${machine.loadAverage[0]} at the start ` +
        `([${path.basename(file)}](../bench/results/${path.basename(file)})): ${n} lifecycles, concurrency ${concurrency}, records in the cluster's PostgreSQL. ` +
        `**Two workers ÷ one: throughput × ${gain.toFixed(2)}.**\n\n` +
        `| workers | transitions/s | processes/s | Update p50 (ms) | Update p99 (ms) | worker CPU ms/transition | Temporal server CPU ms/transition | worker RSS, all (MB) |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n${row('1')}\n${row('2')}`,
    );
    log(`docs/PERFORMANCE.md updated`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
