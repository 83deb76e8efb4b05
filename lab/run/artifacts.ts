// Writes a run's artifacts: artifacts/<run-id>/{plan.json, history.jsonl, nemesis.jsonl, verdict.json,
// replay.txt}. `faultline replay <dir>` and `faultline check <dir>/history.jsonl` read them back.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planJson } from '../gen/index.js';
import type { Plan, PlanConstraints, Strategy } from '../gen/plan.js';
import type { BranchState } from '../../models/history.js';
import { defaultPlanConstraints } from '../gen/plan.js';
import type { RunResult } from './runner.js';

/** Beside history.jsonl: what `faultline check` needs to judge the invariants as the run did. */
export const finalStatesFileName = 'final-states.json';

export interface FinalStatesFile {
  strategy: Strategy;
  accounts: { account: string; balance: number }[];
  states: BranchState[];
  /** How long the run waited for quiescence after the heal. */
  quiescenceMs: number;
}

function jsonLines(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join('\n') + (items.length > 0 ? '\n' : '');
}

/** The flags that make `faultline run` generate the same plan: seed, path, and any non-default constraint. */
export function constraintFlags(constraints: PlanConstraints): string[] {
  const flags: string[] = [];
  const names: Record<keyof PlanConstraints, string> = {
    branchesMin: '--branches-min',
    branchesMax: '--branches-max',
    opsMax: '--ops',
    accountsMax: '--accounts',
    clientsMax: '--clients',
    contention: '--contention',
    faults: '--faults',
  };
  for (const key of Object.keys(names) as (keyof PlanConstraints)[]) {
    if (constraints[key] !== defaultPlanConstraints[key]) flags.push(names[key], String(constraints[key]));
  }
  return flags;
}

export function runCommand(plan: Plan, strategy: string, bug: string | undefined): string {
  const words = ['npx faultline run', '--seed', String(plan.seed), '--path', plan.path, '--strategy', strategy, ...constraintFlags(plan.constraints)];
  if (bug !== undefined) words.push('--bug', bug);
  return words.join(' ');
}

export function writeArtifacts(directory: string, result: RunResult): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'plan.json'), planJson(result.plan));
  writeFileSync(join(directory, 'history.jsonl'), jsonLines(result.history));
  writeFileSync(join(directory, 'nemesis.jsonl'), jsonLines(result.nemesis));
  const verdict = {
    runId: result.runId,
    strategy: result.strategy,
    bug: result.bug ?? null,
    verdict: result.verdict,
    violations: result.violations,
    checks: result.checks,
    stats: result.stats,
  };
  writeFileSync(join(directory, 'verdict.json'), `${JSON.stringify(verdict, null, 2)}\n`);
  const finalStates: FinalStatesFile = { strategy: result.strategy, accounts: result.plan.workload.accounts, states: result.finalStates, quiescenceMs: Math.round(result.stats.phasesMs.quiesce) };
  writeFileSync(join(directory, finalStatesFileName), `${JSON.stringify(finalStates, null, 2)}\n`);
  const replay = [
    `npx faultline replay ${directory}${result.bug !== undefined ? ` --bug ${result.bug}` : ''}`,
    runCommand(result.plan, result.strategy, result.bug),
    `npx faultline check ${join(directory, 'history.jsonl')} --model bank`,
  ];
  writeFileSync(join(directory, 'replay.txt'), `${replay.join('\n')}\n`);
}

export interface RecordedRun {
  plan: Plan;
  strategy: string;
  bug: string | undefined;
  violations: string[];
}

/** Reads back what replay needs; throws a plain Error naming the file that is missing or malformed. */
export function readRecordedRun(directory: string): RecordedRun {
  const read = (name: string): unknown => {
    const path = join(directory, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new Error(`${path} does not exist or cannot be read`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${path} is not valid JSON`);
    }
  };
  const plan = read('plan.json') as Plan;
  if (plan?.version !== 1 || !Array.isArray(plan.workload?.steps) || !Array.isArray(plan.faultSchedule)) {
    throw new Error(`${join(directory, 'plan.json')} is not a faultline plan`);
  }
  const verdict = read('verdict.json') as { strategy?: string; bug?: string | null; violations?: string[] };
  if (typeof verdict.strategy !== 'string' || !Array.isArray(verdict.violations)) {
    throw new Error(`${join(directory, 'verdict.json')} is not a faultline verdict`);
  }
  return { plan, strategy: verdict.strategy, bug: verdict.bug ?? undefined, violations: verdict.violations };
}
