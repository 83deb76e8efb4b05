// `faultline explore [--strategy S] [--runs N] [--seed S] [--minutes M] ...`: the main job. Run k has
// the seeds runSeeds(root, k), printed as one SEED= line; every failure is shrunk and saved under artifacts/.
import { randomInt } from 'node:crypto';
import { integerFlag, parseFlags } from '../args.js';
import { exitCode } from '../exit.js';
import type { Verb } from '../main.js';
import { labFlags, labOptionSpecs, labUsage, limitsFrom, seedFlag } from '../lab-flags.js';
import { planFor } from '../../gen/index.js';
import { runSeeds, seedLine } from '../../plan/index.js';
import { checkDeterminism, ClusterPool, describeDifference, simTraceOf, trial } from '../../run/index.js';
import { failureStory, summarize, summaryTable } from '../../report/index.js';
import { usageError } from '../exit.js';
import { bothReplays } from './run.js';
import type { RunResult } from '../../report/index.js';

function progress(done: number, total: number, failures: number, elapsedMs: number): string {
  const width = 24;
  const filled = Math.round((done / total) * width);
  const eta = done === 0 ? '?' : `${Math.round(((elapsedMs / done) * (total - done)) / 1000)}s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs, ${failures} failed, ${Math.round(elapsedMs / 1000)}s elapsed, ETA ${eta}`;
}

export const verb: Verb = {
  summary: 'many seeded runs against a real cluster or in the simulator (the main job)',
  usage: `  --seed S (default: random, printed)  --runs N (default 20)  --minutes M\n  --check-determinism   (--mode sim) run each seed twice and name the first trace event that differs\n${labUsage}`,
  async run(argv) {
    const args = parseFlags(argv, { ...labOptionSpecs, seed: { type: 'string' }, runs: { type: 'string' }, minutes: { type: 'string' }, 'check-determinism': { type: 'boolean' } });
    const flags = labFlags(args);
    const checking = args.values['check-determinism'] === true;
    if (checking && flags.mode !== 'sim') throw usageError('--check-determinism needs --mode sim: only the simulator replays a seed exactly');
    let differing = 0;
    const root = seedFlag(args) ?? randomInt(0, 2 ** 31 - 1);
    const runs = integerFlag(args, 'runs', 1, 1_000_000) ?? 20;
    const minutes = integerFlag(args, 'minutes', 1, 10_000);
    const stopAt = minutes === undefined ? Infinity : performance.now() + minutes * 60_000;
    const interactive = process.stderr.isTTY === true && !flags.json;
    const say = (line: string): void => void process.stderr.write(`${interactive ? '\r\x1b[K' : ''}${line}\n`);
    say(`explore root seed ${root}: strategy=${flags.strategy}${flags.bug ? ` bug=${flags.bug}` : ''} runs=${runs} constraints=${JSON.stringify(flags.constraints)}`);
    const pool = new ClusterPool({ mode: flags.mode, strategy: flags.strategy, bug: flags.bug, proxy: flags.proxy, reuse: flags.reuse, announce: say });
    const results: RunResult[] = [];
    const started = performance.now();
    try {
      for (let index = 0; index < runs && performance.now() < stopAt; index += 1) {
        const seeds = runSeeds(root, index);
        say(seedLine(seeds));
        const plan = planFor(seeds.plan, '0', flags.constraints);
        const outcome = await trial(plan, seeds, { pool, limits: limitsFrom(flags), artifactsRoot: flags.artifactsRoot, shrink: flags.shrink, keepPassing: flags.keepPassing });
        results.push(outcome.result);
        if (outcome.result.verdict === 'illegal') say(failureStory(outcome.shrunk?.smallest ?? outcome.result, outcome.shrunk));
        if (outcome.result.verdict === 'illegal' && flags.mode === 'sim') say(bothReplays(outcome.shrunk?.smallest ?? outcome.result));
        if (checking) {
          const check = await checkDeterminism({ plan, seeds, strategy: flags.strategy, bug: flags.bug, limits: limitsFrom(flags) }, simTraceOf(outcome.result));
          if (!check.same) {
            differing += 1;
            say(`${seedLine(seeds)}: not deterministic: ${describeDifference(check)}`);
          }
        }
        const failures = results.filter((run) => run.verdict === 'illegal').length;
        const line = progress(results.length, runs, failures, performance.now() - started);
        if (interactive) process.stderr.write(`\r\x1b[K${line}`);
        else if (results.length % 10 === 0 || results.length === runs) say(line);
      }
    } finally {
      if (interactive) process.stderr.write('\n');
      await pool.close();
    }
    const summary = summarize(results, (performance.now() - started) / 1000);
    if (checking) say(`determinism: ${results.length - differing} of ${results.length} seeds gave the same trace twice, ${differing} differed`);
    if (flags.json) process.stdout.write(`${JSON.stringify({ seed: root, strategy: flags.strategy, ...summary })}\n`);
    else process.stdout.write(`${summaryTable(summary)}\n`);
    if (summary.failedRuns > 0 || differing > 0) return exitCode.violation;
    return summary.unknown > 0 ? exitCode.unknown : exitCode.ok;
  },
};
