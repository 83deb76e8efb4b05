// `faultline run --seed S [--index K] [--path P] [--strategy S] [--proxy P] ...`: one run, the run K of
// root seed S (as explore numbers them). Exit 0 when every check passed, 1 on a violation (printed
// shrunk, as a story), 2 when unknown.
import { integerFlag, parseFlags } from '../args.js';
import { exitCode, usageError } from '../exit.js';
import { writableDirectory } from '../output-paths.js';
import type { Verb } from '../verb.js';
import { otherSystem, systemRun, systemUsage } from './system.js';
import { labFlags, labOptionSpecs, labUsage, limitsFrom, seedFlag, stallsFlag, stallsOptionSpec, stallsUsage } from '../lab-flags.js';
import { isNoSuchPath, planFor } from '../../gen/index.js';
import { describePlan, planHash, planJson, runSeeds, seedLine } from '../../plan/index.js';
import type { Plan, RunSeeds } from '../../plan/index.js';
import { ClusterPool, trial } from '../../run/index.js';
import { failureStory, infoMeaning, runCommand, summaryLine } from '../../report/index.js';
import type { RunResult } from '../../report/index.js';
import type { ScheduleShrink } from '../../run/index.js';
import type { LabFlags } from '../lab-flags.js';

const runIndexMax = 1_000_000_000;

function planAt(seeds: RunSeeds, path: string, flags: LabFlags): Plan {
  try {
    return planFor(seeds.plan, path, flags.constraints);
  } catch (error) {
    if (isNoSuchPath(error)) throw usageError(error.message);
    throw error;
  }
}

/** A failure found in the simulator replays there exactly, and should on the real cluster too: both commands. */
export function bothReplays(run: RunResult, schedule?: ScheduleShrink): string {
  const command = runCommand(run.seeds, run.plan, run.strategy, run.bug);
  const lines = [`replay in the simulator: ${command} --mode sim`, `replay on the real cluster: ${command} --mode real --stalls sim`];
  if (schedule !== undefined) {
    const closest = schedule.randomTies === 0 ? 'the plain FIFO schedule fails too' : `it fails with ${schedule.randomTies} of the scheduler's ${schedule.of} choices drawn, FIFO after`;
    lines.push(`schedule: ${closest} (${schedule.runs} runs); replay: ${command} --mode sim --schedule-ties ${schedule.randomTies}`);
  }
  return lines.join('\n');
}

export const verb: Verb = {
  summary: 'one run from --seed (and --index, --path), real or simulated (--mode)',
  usage: `  --seed S (required)  --index K (default 0: the run explore numbers K)  --path P (default 0)  --dry-run (print the plan only)\n  --schedule-ties N   (--mode sim) draw N of the scheduler's choices, FIFO after: a shrunk schedule\n${stallsUsage}\n${labUsage}\n${systemUsage}`,
  async run(argv) {
    if (otherSystem(argv) !== undefined) return systemRun(argv);
    const args = parseFlags(argv, { ...labOptionSpecs, ...stallsOptionSpec, seed: { type: 'string' }, index: { type: 'string' }, path: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'schedule-ties': { type: 'string' } });
    const randomTiesMax = integerFlag(args, 'schedule-ties', 0, Number.MAX_SAFE_INTEGER);
    const root = seedFlag(args);
    if (root === undefined) throw usageError('--seed is required (an integer)');
    const index = integerFlag(args, 'index', 0, runIndexMax) ?? 0;
    const path = typeof args.values.path === 'string' ? args.values.path : '0';
    if (!/^\d+(:\d+)*$/.test(path)) throw usageError(`--path must look like 0 or 0:3:1, got '${path}'`);
    const flags = labFlags(args);
    if (randomTiesMax !== undefined && flags.mode !== 'sim') throw usageError('--schedule-ties needs --mode sim');
    const stalls = stallsFlag(args, flags.mode);
    const seeds = runSeeds(root, index);
    const plan = planAt(seeds, path, flags);
    if (args.values['dry-run'] === true) {
      process.stdout.write(flags.json ? planJson(plan) : `${seedLine(seeds)}\n${describePlan(plan)}\nplan sha256 ${planHash(plan)}\n`);
      return exitCode.ok;
    }
    writableDirectory('--artifacts', flags.artifactsRoot);
    process.stderr.write(`${seedLine(seeds)} path=${path} strategy=${flags.strategy} plan=${planHash(plan).slice(0, 16)}\n`);
    const pool = new ClusterPool({ mode: flags.mode, randomTiesMax, stalls, strategy: flags.strategy, bug: flags.bug, proxy: flags.proxy, reuse: true, announce: (line) => process.stderr.write(`${line}\n`) });
    try {
      const options = { pool, limits: limitsFrom(flags), artifactsRoot: flags.artifactsRoot, shrink: flags.shrink, shrinkLimits: flags.shrinkLimits, keepPassing: true };
      const outcome = await trial(plan, seeds, options);
      const run = outcome.result;
      const shrunk = outcome.shrunk?.smallest;
      if (flags.json) {
        const summary = { runId: run.runId, seeds, verdict: run.verdict, violations: run.violations, stats: run.stats, artifactDir: run.artifactDir ?? null, shrunk: shrunk === undefined ? null : { path: shrunk.plan.path, artifactDir: shrunk.artifactDir ?? null } };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        process.stdout.write(`${summaryLine(run)}\n`);
        if (run.stats.info > 0) process.stdout.write(`${infoMeaning}\n`);
        if (run.verdict === 'illegal') process.stdout.write(`${failureStory(shrunk ?? run, outcome.shrunk)}\n`);
        if (run.verdict === 'illegal' && flags.mode === 'sim') process.stdout.write(`${bothReplays(shrunk ?? run, outcome.schedule)}\n`);
        else if (run.artifactDir !== undefined) process.stdout.write(`artifacts: ${run.artifactDir}\n`);
      }
      return run.verdict === 'ok' ? exitCode.ok : run.verdict === 'illegal' ? exitCode.violation : exitCode.unknown;
    } finally {
      await pool.close();
    }
  },
};
