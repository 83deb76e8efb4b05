// What one run against a system other than the bank produced, and its artifacts: the same directory
// layout as the bank's (plan.json, seeds.json, history.jsonl, nemesis.jsonl, verdict.json,
// final-states.json, replay.txt), read back by `replay`. Its story is the plan's plus the checks that failed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Claims, HistoryEvent, Verdict } from '../../models/index.js';
import type { NemesisEvent } from '../client/index.js';
import { describeSystemPlan, isSystemPlan, parseRunSeeds, systemPlanJson } from '../plan/index.js';
import type { Plan, PlanOp, RunSeeds, Strategy, SystemPlan } from '../plan/index.js';
import type { RunResult, RunStats } from './outcome.js';
import { reportHtml } from './html/report.js';
import { ArtifactError, claimDirectory, pointLatest, seedsFileName } from './artifacts.js';
import { replayCommand, reportFileName, systemRunCommand } from './names.js';

/** One check of a system's run: linearizability under the workload's model, convergence, the workload's own. */
export interface SystemCheck {
  kind: string;
  verdict: Verdict;
  summary: string;
  details?: unknown;
}

/** The bank's run figures, without what only the bank's runner measures (phases, p90). */
export type SystemRunStats = Omit<RunStats, 'latencyP90Ms' | 'phasesMs'>;

export interface SystemRunResult {
  runId: string;
  seeds: RunSeeds;
  plan: SystemPlan;
  claims: Claims;
  verdict: Verdict;
  violations: string[];
  checks: SystemCheck[];
  history: HistoryEvent[];
  nemesis: NemesisEvent[];
  finalStates: { node: string; state: Record<string, unknown> }[];
  stats: SystemRunStats;
  latenciesNs: number[];
  artifactDir?: string;
}

/** A readable name for the system in run ids: etcd, or a module path's file name. */
export function systemLabel(system: string): string {
  if (!/[/\\.]/.test(system)) return system;
  const name = basename(system, extname(system));
  // `examples/counter/system.ts` is the counter's: a generic file name says less than its folder.
  const label = name === 'system' || name === 'index' ? basename(dirname(system)) : name;
  return label.replace(/[^A-Za-z0-9_-]/g, '_');
}

export function systemRunId(seeds: RunSeeds, plan: Pick<SystemPlan, 'path' | 'system' | 'workload'>): string {
  return `s${seeds.root}-k${seeds.index}-p${plan.path.replaceAll(':', '.')}-${systemLabel(plan.system)}-${plan.workload}`;
}

/**
 * A system's run in the shape the bank's readers take (report.html, compare's document): the
 * workload stands where a strategy stands, the nodes where the branches stand, each op keeps its input.
 */
export function asRunResult(result: SystemRunResult): RunResult {
  const { plan } = result;
  const steps = plan.steps.map((ops) => ops.map((op) => ({ ...op, branch: op.node }) as unknown as PlanOp));
  const bankShaped = { ...plan, workload: { branches: plan.nodes, accounts: [], clients: plan.clients, steps } } as unknown as Plan;
  return {
    runId: result.runId, seeds: result.seeds, plan: bankShaped, strategy: plan.workload as Strategy, bug: undefined,
    claims: result.claims, verdict: result.verdict, violations: result.violations, checks: result.checks as RunResult['checks'],
    history: result.history, nemesis: result.nemesis, finalStates: [], nodeStates: result.finalStates, nodeStats: [], latenciesNs: result.latenciesNs,
    randomness: { nodes: {}, proxy: null }, stats: { ...result.stats, latencyP90Ms: 0, phasesMs: { acquire: 0, workload: 0, quiesce: 0, check: 0 } },
    ...(result.artifactDir === undefined ? {} : { artifactDir: result.artifactDir }),
  };
}

function jsonLines(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join('\n') + (items.length > 0 ? '\n' : '');
}

export function writeSystemArtifacts(root: string, result: SystemRunResult): string {
  const directory = claimDirectory(root, result.runId);
  writeFileSync(join(directory, 'plan.json'), systemPlanJson(result.plan));
  writeFileSync(join(directory, seedsFileName), `${JSON.stringify(result.seeds, null, 2)}\n`);
  writeFileSync(join(directory, 'history.jsonl'), jsonLines(result.history));
  writeFileSync(join(directory, 'nemesis.jsonl'), jsonLines(result.nemesis));
  const { runId, seeds, claims, verdict, violations, checks, stats } = result;
  const system = { system: result.plan.system, workload: result.plan.workload };
  writeFileSync(join(directory, 'verdict.json'), `${JSON.stringify({ runId, seeds, ...system, claims, verdict, violations, checks, stats }, null, 2)}\n`);
  writeFileSync(join(directory, 'final-states.json'), `${JSON.stringify({ ...system, claims, states: result.finalStates }, null, 2)}\n`);
  const replay = [replayCommand(directory), systemRunCommand(result.seeds, result.plan)];
  writeFileSync(join(directory, 'replay.txt'), `${replay.join('\n')}\n`);
  writeFileSync(join(directory, reportFileName), reportHtml(asRunResult({ ...result, artifactDir: directory })));
  pointLatest(root, directory);
  return directory;
}

/** Whether an artifact directory holds a system's run (its plan names a system), not the bank's. */
export function holdsSystemRun(directory: string): boolean {
  try {
    return isSystemPlan(JSON.parse(readFileSync(join(directory, 'plan.json'), 'utf8')));
  } catch {
    return false;
  }
}

/** A system run's plan and seeds back from its directory; ArtifactError (exit 65) when they are not there or not good. */
export function readSystemRun(directory: string): { plan: SystemPlan; seeds: RunSeeds } {
  const read = (name: string): unknown => {
    const path = join(directory, name);
    if (!existsSync(path)) throw new ArtifactError(`${path} is missing`);
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ArtifactError(`${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const plan = read('plan.json');
  if (!isSystemPlan(plan) || !Array.isArray(plan.steps) || !Array.isArray(plan.faultSchedule) || !Array.isArray(plan.nodes)) {
    throw new ArtifactError(`${join(directory, 'plan.json')} is not a system plan`);
  }
  const seeds = parseRunSeeds(read(seedsFileName));
  if (typeof seeds === 'string') throw new ArtifactError(`${join(directory, seedsFileName)}: ${seeds}`);
  return { plan, seeds };
}

/** The checks that did not pass, one line each, for the failure's story. */
export function systemVerdictLines(result: SystemRunResult): string[] {
  return result.checks.filter((check) => check.verdict !== 'ok').map((check) => `${check.kind}: ${check.verdict}: ${check.summary}`);
}

/** The one summary line of a system's run. */
export function systemSummaryLine(result: SystemRunResult): string {
  const { stats } = result;
  const verdict = result.verdict === 'ok' ? 'PASS' : result.verdict === 'illegal' ? `VIOLATION (${result.violations.join(', ')})` : 'UNKNOWN';
  return `${result.runId}: ${verdict} ops=${stats.ops} ok=${stats.ok} fail=${stats.fail} info=${stats.info} faults=${stats.faultsApplied} p50=${stats.latencyP50Ms.toFixed(1)}ms p99=${stats.latencyP99Ms.toFixed(1)}ms ${(stats.durationMs / 1000).toFixed(1)}s`;
}

/** A failure as a story: the smallest plan, what failed, and where its artifacts are. */
export function systemFailureStory(result: SystemRunResult, shrunk?: { runs: number; budgetSpent?: string | undefined; smallest: SystemRunResult }, original?: SystemRunResult): string {
  const spent = shrunk?.budgetSpent === undefined ? '' : `, the ${shrunk.budgetSpent} budget spent`;
  const smaller = shrunk === undefined || original === undefined || shrunk.smallest.plan.path !== original.plan.path;
  const budget = shrunk === undefined ? '' : smaller ? ` (shrunk in ${shrunk.runs} runs${spent})` : ` (nothing smaller failed twice in ${shrunk.runs} runs${spent})`;
  const lines = [`${shrunk === undefined || smaller ? 'smallest failing plan' : 'failing plan'}${budget}:`, describeSystemPlan(result.plan), ...systemVerdictLines(result)];
  if (result.artifactDir !== undefined) lines.push(`artifacts: ${result.artifactDir}`, `replay: ${replayCommand(result.artifactDir)}`);
  return lines.join('\n');
}
