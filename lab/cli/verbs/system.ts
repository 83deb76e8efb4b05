// `run`, `explore`, `replay` and `compare` with `--system etcd|./my-system.ts`: the same verbs over a
// System module, real mode only (the simulator runs the bank's node code). `--system bank` keeps the
// bank's own runner and plans. Each verb hands its argv here when it names another system.
import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { booleanFlag, choiceFlag, integerFlag, parseFlags, stringFlag } from '../args.js';
import type { OptionSpecs, ParsedArgs } from '../args.js';
import { CliError, dataError, exitCode, usageError } from '../exit.js';
import { writableDirectory } from '../output-paths.js';
import { seedFlag } from '../lab-flags.js';
import { progressLine, sayer } from '../fleet-flags.js';
import { isSystemStartError } from '../../cluster/index.js';
import { compareDocument, compareHtml, compareReport } from '../../compare/index.js';
import type { CompareDocument, PairedRun } from '../../compare/index.js';
import { isNoSuchPath, systemPlanFor } from '../../gen/index.js';
import { contentions, defaultSystemPlanConstraints, describeSystemPlan, faultLevels, runSeeds, seedLine, systemPlanHash, systemPlanJson } from '../../plan/index.js';
import type { PlanConstraints, RunSeeds, Strategy, SystemPlan, SystemPlanConstraints } from '../../plan/index.js';
import type { ProxyBackendChoice } from '../../proxy/index.js';
import { asRunResult, isArtifactError, writeExploreIndex, readSystemRun, systemFailureStory, systemSummaryLine, table } from '../../report/index.js';
import { isSystemModuleError, isSystemPlanError, loadSystem, runSystemOnce, systemShrinkLimits, systemTrial, workloadNamed } from '../../run/index.js';
import type { SystemSessionOptions } from '../../run/index.js';
import type { ExploreRun } from '../../report/index.js';
import type { System } from '../../systems/index.js';

/** The system a verb's argv names, when it is not the bank (whose own runner keeps its plans). */
export function otherSystem(argv: readonly string[]): string | undefined {
  for (const [index, word] of argv.entries()) {
    const name = word === '--system' ? argv[index + 1] : word.startsWith('--system=') ? word.slice('--system='.length) : undefined;
    if (name !== undefined) return name === 'bank' ? undefined : name;
  }
  return undefined;
}

const systemOptionSpecs: OptionSpecs = {
  system: { type: 'string' }, workload: { type: 'string' }, mode: { type: 'string' }, proxy: { type: 'string' },
  nodes: { type: 'string' }, ops: { type: 'string' }, objects: { type: 'string' }, clients: { type: 'string' },
  contention: { type: 'string' }, faults: { type: 'string' }, 'deadline-ms': { type: 'string' }, 'checker-ms': { type: 'string' },
  'ready-ms': { type: 'string' }, artifacts: { type: 'string' }, json: { type: 'boolean' }, 'no-shrink': { type: 'boolean' },
  'shrink-runs': { type: 'string' }, 'shrink-seconds': { type: 'string' }, report: { type: 'string' },
};

export const systemUsage = [
  '  --workload W                        (another system) one of its workloads (default its first)',
  '  --nodes N  --ops N  --objects N  --clients N  --contention low|high  --faults none|light|heavy',
  '                                      (another system) cluster size (default 3), ops, keys, clients (defaults 30, 2, 3)',
  '  --ready-ms N                        (another system) how long a node may take to serve (default 20000)',
  '                                      another system runs in real mode only, a fresh cluster per run; its shrink\'s',
  '                                      budgets default to 40 runs and 300 s',
].join('\n');

interface SystemFlags {
  system: System;
  name: string;
  workload: string;
  proxy: ProxyBackendChoice;
  constraints: SystemPlanConstraints;
  session: SystemSessionOptions;
  artifactsRoot: string;
  json: boolean;
}

/** The usage and data errors of loading a system and running its plans, as the CLI's own. */
async function cliErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (isSystemModuleError(error)) throw error.code === 'usage' ? usageError(error.message) : dataError(error.message);
    if (isSystemStartError(error) || isSystemPlanError(error) || isArtifactError(error)) throw dataError(error.message);
    if (isNoSuchPath(error)) throw usageError(error.message);
    throw error;
  }
}

async function systemFlags(args: ParsedArgs, recorded?: SystemPlan): Promise<SystemFlags> {
  const name = recorded?.system ?? stringFlag(args, 'system') ?? 'bank';
  if ((stringFlag(args, 'mode') ?? process.env.FAULTLINE_MODE ?? 'real') === 'sim') throw usageError(`--mode sim runs the bank's node code only; ${name} runs in real mode`);
  const system = await cliErrors(() => loadSystem(name));
  const workload = await cliErrors(async () => workloadNamed(system, name, recorded?.workload ?? stringFlag(args, 'workload')));
  const constraints: SystemPlanConstraints = recorded?.constraints ?? {
    nodes: integerFlag(args, 'nodes', 1, 7) ?? defaultSystemPlanConstraints.nodes,
    opsMax: integerFlag(args, 'ops', 1, 10_000) ?? defaultSystemPlanConstraints.opsMax,
    objectsMax: integerFlag(args, 'objects', 1, 16) ?? defaultSystemPlanConstraints.objectsMax,
    clientsMax: integerFlag(args, 'clients', 1, 32) ?? defaultSystemPlanConstraints.clientsMax,
    contention: choiceFlag(args, 'contention', contentions) ?? defaultSystemPlanConstraints.contention,
    faults: choiceFlag(args, 'faults', faultLevels) ?? defaultSystemPlanConstraints.faults,
  };
  const proxy = choiceFlag(args, 'proxy', ['embedded', 'binary', 'auto'] as const) ?? 'embedded';
  const artifactsRoot = stringFlag(args, 'artifacts') ?? 'artifacts';
  const deadlineMs = integerFlag(args, 'deadline-ms', 50, 60_000);
  const checkerMs = integerFlag(args, 'checker-ms', 10, 3_600_000);
  const readyMs = integerFlag(args, 'ready-ms', 100, 600_000);
  const limits = { ...(deadlineMs === undefined ? {} : { deadlineMs }), ...(checkerMs === undefined ? {} : { checkerMsMax: checkerMs }), ...(readyMs === undefined ? {} : { nodeReadyMs: readyMs }) };
  const shrinkLimits = {
    ...systemShrinkLimits,
    shrinkRunsMax: integerFlag(args, 'shrink-runs', 1, 100_000) ?? systemShrinkLimits.shrinkRunsMax,
    shrinkMsMax: (integerFlag(args, 'shrink-seconds', 1, 86_400) ?? systemShrinkLimits.shrinkMsMax / 1000) * 1000,
  };
  const keepPassing = choiceFlag(args, 'report', ['always', 'failures'] as const) === 'always';
  const session = { system, proxy, limits, artifactsRoot, shrink: !booleanFlag(args, 'no-shrink'), shrinkLimits, keepPassing };
  return { system, name, workload, proxy, constraints, session, artifactsRoot, json: booleanFlag(args, 'json') };
}

function planAt(flags: SystemFlags, seeds: RunSeeds, path: string, workload = flags.workload): SystemPlan {
  try {
    return systemPlanFor(seeds.plan, path, { system: flags.system, systemName: flags.name, workload, constraints: flags.constraints });
  } catch (error) {
    if (isNoSuchPath(error)) throw usageError(error.message);
    throw error;
  }
}

function exitOf(verdicts: readonly string[]): number {
  if (verdicts.includes('illegal')) return exitCode.violation;
  return verdicts.includes('unknown') ? exitCode.unknown : exitCode.ok;
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function systemRun(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { ...systemOptionSpecs, seed: { type: 'string' }, index: { type: 'string' }, path: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  const root = seedFlag(args);
  if (root === undefined) throw usageError('--seed is required (an integer)');
  const path = stringFlag(args, 'path') ?? '0';
  if (!/^\d+(:\d+)*$/.test(path)) throw usageError(`--path must look like 0 or 0:3:1, got '${path}'`);
  const flags = await systemFlags(args);
  const seeds = runSeeds(root, integerFlag(args, 'index', 0, 1_000_000_000) ?? 0);
  const plan = planAt(flags, seeds, path);
  if (booleanFlag(args, 'dry-run')) {
    process.stdout.write(flags.json ? systemPlanJson(plan) : `${seedLine(seeds)}\n${describeSystemPlan(plan)}\nplan sha256 ${systemPlanHash(plan)}\n`);
    return exitCode.ok;
  }
  writableDirectory('--artifacts', flags.artifactsRoot);
  say(`${seedLine(seeds)} path=${path} system=${flags.name} workload=${flags.workload} plan=${systemPlanHash(plan).slice(0, 16)}`);
  const trial = await cliErrors(() => systemTrial(plan, seeds, { ...flags.session, keepPassing: true }));
  const smallest = trial.shrunk?.smallest ?? trial.result;
  if (flags.json) {
    const { runId, verdict, violations, stats, artifactDir } = trial.result;
    process.stdout.write(`${JSON.stringify({ runId, seeds, verdict, violations, stats, artifactDir: artifactDir ?? null, shrunk: trial.shrunk === undefined ? null : { path: smallest.plan.path, artifactDir: smallest.artifactDir ?? null } })}\n`);
  } else {
    process.stdout.write(`${systemSummaryLine(trial.result)}\n`);
    if (trial.result.verdict === 'illegal') process.stdout.write(`${systemFailureStory(smallest, trial.shrunk, trial.result)}\n`);
    else if (trial.result.artifactDir !== undefined) process.stdout.write(`artifacts: ${trial.result.artifactDir}\n`);
  }
  return exitOf([trial.result.verdict]);
}

interface ExploreRecord {
  index: number;
  runId: string;
  verdict: string;
  violations: string[];
  ops: number;
  info: number;
  faults: number;
  seconds: number;
  artifactDir: string | null;
  shrunk: { path: string; ops: number; faults: number; runs: number; artifactDir: string | null } | null;
}

function recordOf(index: number, trial: Awaited<ReturnType<typeof systemTrial>>): ExploreRecord {
  const { result, shrunk } = trial;
  const smallest = shrunk?.smallest;
  return {
    index, runId: result.runId, verdict: result.verdict, violations: result.violations, ops: result.stats.ops, info: result.stats.info,
    faults: result.stats.faultsApplied, seconds: result.stats.durationMs / 1000, artifactDir: result.artifactDir ?? null,
    shrunk: smallest === undefined || shrunk === undefined ? null : {
      path: smallest.plan.path, ops: smallest.plan.steps.flat().length, faults: smallest.plan.faultSchedule.length, runs: shrunk.runs, artifactDir: smallest.artifactDir ?? null,
    },
  };
}

export async function systemExplore(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { ...systemOptionSpecs, seed: { type: 'string' }, runs: { type: 'string' }, minutes: { type: 'string' } });
  const flags = await systemFlags(args);
  writableDirectory('--artifacts', flags.artifactsRoot);
  const root = seedFlag(args) ?? randomInt(0, 2 ** 31 - 1);
  const runs = integerFlag(args, 'runs', 1, 1_000_000) ?? 20;
  const minutes = integerFlag(args, 'minutes', 1, 10_000);
  const stopAt = minutes === undefined ? Infinity : performance.now() + minutes * 60_000;
  // The bank's progress bar: redrawn in place on a terminal, a line every ten runs otherwise.
  const interactive = process.stderr.isTTY === true && !flags.json;
  const tell = sayer(interactive);
  tell(`explore root seed ${root}: system=${flags.name} workload=${flags.workload} runs=${runs} constraints=${JSON.stringify(flags.constraints)}`);
  const records: ExploreRecord[] = [];
  const indexed: ExploreRun[] = [];
  const started = performance.now();
  try {
    for (let index = 0; index < runs && performance.now() < stopAt; index += 1) {
      const seeds = runSeeds(root, index);
      tell(seedLine(seeds));
      const trial = await cliErrors(() => systemTrial(planAt(flags, seeds, '0'), seeds, flags.session));
      records.push(recordOf(index, trial));
      indexed.push({ result: asRunResult(trial.result), ...(trial.shrunk === undefined ? {} : { shrunk: asRunResult(trial.shrunk.smallest) }) });
      if (!flags.json) tell(systemSummaryLine(trial.result));
      if (trial.result.verdict === 'illegal' && !flags.json) tell(systemFailureStory(trial.shrunk?.smallest ?? trial.result, trial.shrunk, trial.result));
      const line = progressLine(records.length, runs, records.filter((record) => record.verdict === 'illegal').length, performance.now() - started);
      if (interactive) process.stderr.write(`\r\x1b[K${line}`);
      else if (!flags.json && (records.length % 10 === 0 || records.length === runs)) tell(line);
    }
  } finally {
    if (interactive) process.stderr.write('\n');
  }
  const seconds = (performance.now() - started) / 1000;
  const count = (verdict: string): number => records.filter((record) => record.verdict === verdict).length;
  const summary = { system: flags.name, workload: flags.workload, root, runs: records.length, ok: count('ok'), illegal: count('illegal'), unknown: count('unknown'), seconds, records };
  const index = writeExploreIndex(flags.artifactsRoot, { rootSeed: root, strategy: `${flags.name} ${flags.workload}`, runs: indexed, seconds });
  const directory = dirname(index);
  writeFileSync(join(directory, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const rows = [['index', 'verdict', 'violations', 'ops', 'info', 'faults', 's', 'shrunk to'], ...records.map((record) => [
      String(record.index), record.verdict, record.violations.join(',') || '-', String(record.ops), String(record.info), String(record.faults), record.seconds.toFixed(1),
      record.shrunk === null ? '-' : `${record.shrunk.ops} ops, ${record.shrunk.faults} faults (${record.shrunk.runs} runs)`,
    ])];
    process.stdout.write(`${table(rows)}\n${flags.name} ${flags.workload}: ${summary.ok} ok, ${summary.illegal} illegal, ${summary.unknown} unknown in ${records.length} runs, ${seconds.toFixed(0)} s; index: ${index}\n`);
  }
  return exitOf(records.map((record) => record.verdict));
}

/** The violation kinds the recorded run showed (none when its verdict.json is missing or unreadable). */
function recordedViolations(directory: string): string[] {
  try {
    const verdict = JSON.parse(readFileSync(join(directory, 'verdict.json'), 'utf8')) as { violations?: unknown };
    return Array.isArray(verdict.violations) ? verdict.violations.filter((kind): kind is string => typeof kind === 'string') : [];
  } catch {
    return [];
  }
}

export async function systemReplay(directory: string, argv: string[]): Promise<number> {
  const args = parseFlags(argv, { ...systemOptionSpecs, times: { type: 'string' } }, true);
  const times = integerFlag(args, 'times', 1, 10_000) ?? 1;
  const recorded = await cliErrors(async () => readSystemRun(directory));
  const flags = await systemFlags(args, recorded.plan);
  const expected = recordedViolations(directory);
  say(seedLine(recorded.seeds));
  let same = 0;
  const verdicts: string[] = [];
  for (let index = 0; index < times; index += 1) {
    const result = await cliErrors(() => runSystemOnce(recorded.plan, recorded.seeds, { ...flags.session, artifactsRoot: null, shrink: false }));
    const reproduced = expected.length === 0 ? result.violations.length === 0 : expected.some((kind) => result.violations.includes(kind));
    if (reproduced) same += 1;
    verdicts.push(result.verdict);
    if (!flags.json) process.stdout.write(`${systemSummaryLine(result)}\n`);
  }
  const what = expected.length === 0 ? 'a pass' : `the violation (${expected.join(', ')})`;
  if (flags.json) process.stdout.write(`${JSON.stringify({ times, reproduced: same, expected, seeds: recorded.seeds, verdicts })}\n`);
  else process.stdout.write(`reproduced ${what} in ${same} of ${times} replays (${((100 * same) / times).toFixed(0)} %)\n`);
  if (expected.length > 0) return same > 0 ? exitCode.violation : exitOf(verdicts);
  return exitOf(verdicts);
}

export async function systemCompare(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { ...systemOptionSpecs, workloads: { type: 'string' }, seeds: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } });
  const flags = await systemFlags(args);
  const names = (stringFlag(args, 'workloads') ?? Object.keys(flags.system.workloads).join(',')).split(',').map((name) => name.trim());
  for (const name of names) await cliErrors(async () => workloadNamed(flags.system, flags.name, name));
  if (names.length < 2 || new Set(names).size !== names.length) throw usageError('--workloads needs two or more different workloads of the system, e.g. register,serializable-reads');
  const seedCount = integerFlag(args, 'seeds', 1, 10_000) ?? 10;
  const root = seedFlag(args) ?? randomInt(0, 2 ** 31 - 1);
  const out = stringFlag(args, 'out') ?? join(flags.artifactsRoot, `compare-${root}`);
  writableDirectory('--out', out);
  const runs: PairedRun[] = [];
  const started = performance.now();
  for (let index = 0; index < seedCount; index += 1) {
    const seeds = runSeeds(root, index);
    say(seedLine(seeds));
    // The same seed for every variant: the plan differs only where the workloads' ops differ.
    for (const workload of names) {
      const plan = planAt(flags, seeds, '0', workload);
      const result = await cliErrors(() => runSystemOnce(plan, seeds, { ...flags.session, artifactsRoot: null, shrink: false }));
      runs.push({ index, result: asRunResult(result) });
      if (!flags.json) say(systemSummaryLine(result));
    }
  }
  const constraints = { ...flags.constraints, branchesMin: flags.constraints.nodes, branchesMax: flags.constraints.nodes, accountsMax: flags.constraints.objectsMax } as unknown as PlanConstraints;
  const document: CompareDocument = compareDocument({ root, strategies: names as Strategy[], seeds: seedCount, constraints, proxy: flags.proxy }, runs, (performance.now() - started) / 1000);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'compare.json'), `${JSON.stringify(document, null, 2)}\n`);
  writeFileSync(join(out, 'compare.html'), compareHtml(document));
  if (flags.json) process.stdout.write(`${JSON.stringify({ root, workloads: names, summaries: document.summaries, out })}\n`);
  else process.stdout.write(`${compareReport(document)}\ncompare.json and compare.html: ${out}\n`);
  return exitOf(document.runs.map((run) => run.verdict));
}
