// `faultline run --seed S [--path P] [--strategy S] [--proxy P] [--branches N] [--ops N] ...`: one run.
// Exit 0 when every check passed, 1 on a violation (printed shrunk, as a story), 2 when unknown.
import { parseFlags } from '../args.js';
import { exitCode, usageError } from '../exit.js';
import type { Verb } from '../main.js';
import { labFlags, labOptionSpecs, labUsage, limitsFrom, seedFlag } from '../lab-flags.js';
import { describePlan, planFor, planHash, planJson } from '../../gen/index.js';
import { ClusterPool } from '../../run/pool.js';
import { failureReport, trial } from '../../run/session.js';
import { summaryLine } from '../../run/report.js';

export const verb: Verb = {
  summary: 'one run from --seed (and --path)',
  usage: `  --seed S (required)  --path P (default 0)  --dry-run (print the plan only)\n${labUsage}`,
  async run(argv) {
    const args = parseFlags(argv, { ...labOptionSpecs, seed: { type: 'string' }, path: { type: 'string' }, 'dry-run': { type: 'boolean' } });
    const seed = seedFlag(args);
    if (seed === undefined) throw usageError('--seed is required (an integer)');
    const path = typeof args.values.path === 'string' ? args.values.path : '0';
    if (!/^\d+(:\d+)*$/.test(path)) throw usageError(`--path must look like 0 or 0:3:1, got '${path}'`);
    const flags = labFlags(args);
    let plan;
    try {
      plan = planFor(seed, path, flags.constraints);
    } catch (error) {
      throw usageError(error instanceof Error ? error.message : String(error));
    }
    if (args.values['dry-run'] === true) {
      process.stdout.write(flags.json ? planJson(plan) : `${describePlan(plan)}\nplan sha256 ${planHash(plan)}\n`);
      return exitCode.ok;
    }
    process.stderr.write(`SEED=${seed} PATH=${path} strategy=${flags.strategy} plan=${planHash(plan).slice(0, 16)}\n`);
    const pool = new ClusterPool({ strategy: flags.strategy, bug: flags.bug, proxy: flags.proxy, seed, reuse: true, announce: (line) => process.stderr.write(`${line}\n`) });
    try {
      const outcome = await trial(plan, { pool, limits: limitsFrom(flags), artifactsRoot: flags.artifactsRoot, shrink: flags.shrink }, true);
      const run = outcome.result;
      if (flags.json) {
        const shrunk = outcome.shrunk?.smallest;
        process.stdout.write(`${JSON.stringify({ runId: run.runId, verdict: run.verdict, violations: run.violations, stats: run.stats, artifactDir: run.artifactDir ?? null, shrunk: shrunk === undefined ? null : { path: shrunk.plan.path, artifactDir: shrunk.artifactDir ?? null } })}\n`);
      } else {
        process.stdout.write(`${summaryLine(run)}\n`);
        if (run.verdict === 'illegal') process.stdout.write(`${failureReport(outcome)}\n`);
        else if (run.artifactDir !== undefined) process.stdout.write(`artifacts: ${run.artifactDir}\n`);
      }
      return run.verdict === 'ok' ? exitCode.ok : run.verdict === 'illegal' ? exitCode.violation : exitCode.unknown;
    } finally {
      await pool.close();
    }
  },
};
