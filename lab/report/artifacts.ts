// The one writer and the one reader of a run's artifacts: artifacts/<run-id>[-N]/{plan.json, seeds.json,
// history.jsonl, nemesis.jsonl, verdict.json, final-states.json, replay.txt, report.html, messages.jsonl
// when the run recorded messages}, and artifacts/latest naming the newest. A directory is never written
// twice: a second run of the same seed gets its own.
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { BranchState, Claims } from '../../models/index.js';
import { isBug, isStrategy, parseRunSeeds, planJson, runSeeds } from '../plan/index.js';
import { validatePlan } from './plan-schema.js';
import type { Bug, Plan, RunSeeds, Strategy } from '../plan/index.js';
import type { RunResult } from './outcome.js';
import { reportHtml } from './html/report.js';
import { replayCommand, reportFileName, runCommand } from './names.js';
import { messagesFileName } from './html/messages.js';

/** Beside history.jsonl: what `faultline check` needs to judge the invariants as the run did. */
export const finalStatesFileName = 'final-states.json';
export const seedsFileName = 'seeds.json';
/** The link in an artifacts root that names the newest run's directory. */
export const latestLinkName = 'latest';
/** A run id written this many times already is a bug of the caller, not a reason to loop forever. */
const directoryAttemptsMax = 10_000;

export interface FinalStatesFile {
  strategy: Strategy;
  /** What the run's strategy declared; `check` judges by these, never by the strategy's name. */
  claims: Claims;
  accounts: { account: string; balance: number }[];
  states: BranchState[];
  /** How long the run waited for quiescence after the heal. */
  quiescenceMs: number;
}

function jsonLines(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join('\n') + (items.length > 0 ? '\n' : '');
}

/** The one policy of what is kept: every failure and every unknown, and passing runs when asked. */
export function keepsArtifacts(verdict: RunResult['verdict'], keepPassing: boolean): boolean {
  return verdict !== 'ok' || keepPassing;
}

/** Makes root/<prefix>, or root/<prefix>-2, -3, ...: whichever does not exist yet. mkdir claims it atomically. */
export function claimDirectory(root: string, prefix: string): string {
  mkdirSync(root, { recursive: true });
  for (let attempt = 1; attempt <= directoryAttemptsMax; attempt += 1) {
    const directory = join(root, attempt === 1 ? prefix : `${prefix}-${attempt}`);
    try {
      mkdirSync(directory);
      return directory;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`${root} already holds ${directoryAttemptsMax} directories named ${prefix}`);
}

/** Points root/latest at the directory, replacing the old link in one rename. */
export function pointLatest(root: string, directory: string): void {
  const link = join(root, latestLinkName);
  // The simulator's worker threads write artifacts side by side and share the pid: the thread names it too.
  const temporary = `${link}.${process.pid}-${threadId}.tmp`;
  rmSync(temporary, { force: true });
  symlinkSync(basename(directory), temporary);
  renameSync(temporary, link);
}

/** Writes a run's artifacts into a new directory under `root`; returns that directory. */
export function writeArtifacts(root: string, result: RunResult): string {
  const directory = claimDirectory(root, result.runId);
  writeFileSync(join(directory, 'plan.json'), planJson(result.plan));
  writeFileSync(join(directory, seedsFileName), `${JSON.stringify(result.seeds, null, 2)}\n`);
  writeFileSync(join(directory, 'history.jsonl'), jsonLines(result.history));
  writeFileSync(join(directory, 'nemesis.jsonl'), jsonLines(result.nemesis));
  const verdict = {
    runId: result.runId,
    seeds: result.seeds,
    mode: result.mode ?? 'real',
    strategy: result.strategy,
    bug: result.bug ?? null,
    claims: result.claims,
    verdict: result.verdict,
    violations: result.violations,
    checks: result.checks,
    consistency: result.consistency ?? null,
    stats: result.stats,
    randomness: result.randomness,
  };
  writeFileSync(join(directory, 'verdict.json'), `${JSON.stringify(verdict, null, 2)}\n`);
  const finalStates: FinalStatesFile = {
    strategy: result.strategy, claims: result.claims, accounts: result.plan.workload.accounts, states: result.finalStates, quiescenceMs: Math.round(result.stats.phasesMs.quiesce),
  };
  writeFileSync(join(directory, finalStatesFileName), `${JSON.stringify(finalStates, null, 2)}\n`);
  const rerun = runCommand(result.seeds, result.plan, result.strategy, result.bug, result.mode);
  const replay = [replayCommand(directory), ...(rerun === undefined ? [] : [rerun]), `npx faultline check ${join(directory, 'history.jsonl')} --model bank`];
  writeFileSync(join(directory, 'replay.txt'), `${replay.join('\n')}\n`);
  if (result.messages !== undefined) writeFileSync(join(directory, messagesFileName), jsonLines(result.messages));
  writeFileSync(join(directory, reportFileName), reportHtml({ ...result, artifactDir: directory }));
  pointLatest(root, directory);
  return directory;
}

/** An artifact directory that is missing a file or holds a malformed one: bad input, exit 65. */
export class ArtifactError extends Error {
  readonly code = 'artifact' as const;
}

export function isArtifactError(error: unknown): error is ArtifactError {
  return error instanceof ArtifactError;
}

export interface RecordedRun {
  plan: Plan;
  seeds: RunSeeds;
  /** False for artifacts older than seeds.json: the seeds were derived from the plan's seed. */
  seedsRecorded: boolean;
  strategy: Strategy;
  bug: Bug | undefined;
  /** The mode it ran in (verdict.json's `mode`; real where an older verdict says nothing). */
  mode: 'real' | 'sim';
  violations: string[];
}

function readJson(directory: string, name: string): unknown {
  const path = join(directory, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ArtifactError(`${path} does not exist or cannot be read`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ArtifactError(`${path} is not valid JSON`);
  }
}

function readSeeds(directory: string, plan: Plan): { seeds: RunSeeds; recorded: boolean } {
  let value: unknown;
  try {
    value = readJson(directory, seedsFileName);
  } catch {
    return { seeds: runSeeds(plan.seed, 0), recorded: false };
  }
  const seeds = parseRunSeeds(value);
  if (typeof seeds === 'string') throw new ArtifactError(`${join(directory, seedsFileName)}: ${seeds}`);
  return { seeds, recorded: true };
}

/** Reads back what replay needs; throws a plain Error naming the file that is missing or malformed. */
export function readRecordedRun(directory: string): RecordedRun {
  const checked = validatePlan(readJson(directory, 'plan.json'));
  if ('problem' in checked) throw new ArtifactError(`${join(directory, 'plan.json')}: ${checked.problem}`);
  const { plan } = checked;
  const verdict = readJson(directory, 'verdict.json') as { strategy?: string; bug?: string | null; mode?: string; violations?: string[] };
  if (typeof verdict.strategy !== 'string' || !isStrategy(verdict.strategy) || !Array.isArray(verdict.violations)) {
    throw new ArtifactError(`${join(directory, 'verdict.json')} is not a faultline verdict`);
  }
  const bug = verdict.bug ?? undefined;
  if (bug !== undefined && !isBug(bug)) throw new ArtifactError(`${join(directory, 'verdict.json')} names an unknown bug '${bug}'`);
  const mode = verdict.mode ?? 'real';
  if (mode !== 'real' && mode !== 'sim') throw new ArtifactError(`${join(directory, 'verdict.json')} names an unknown mode '${mode}'`);
  const { seeds, recorded } = readSeeds(directory, plan);
  return { plan, seeds, seedsRecorded: recorded, strategy: verdict.strategy, bug, mode, violations: verdict.violations };
}
