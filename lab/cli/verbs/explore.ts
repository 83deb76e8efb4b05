// `faultline explore [--strategy S] [--runs N] [--seed S] [--minutes M] ...`: the main job. Run k has
// the seeds runSeeds(root, k), printed as one SEED= line; every failure is shrunk and saved under artifacts/.
import { randomInt } from 'node:crypto';
import { integerFlag, parseFlags } from '../args.js';
import { exitCode } from '../exit.js';
import { writableDirectory } from '../output-paths.js';
import type { Verb } from '../main.js';
import { labFlags, labOptionSpecs, labUsage, limitsFrom, seedFlag } from '../lab-flags.js';
import { planFor } from '../../gen/index.js';
import { runSeeds, seedLine } from '../../plan/index.js';
import { ClusterPool, trial } from '../../run/index.js';
import { failureStory, summarize, summaryLegend, summaryTable, writeExploreIndex } from '../../report/index.js';
import type { ExploreRun, RunResult } from '../../report/index.js';

function progress(done: number, total: number, failures: number, elapsedMs: number): string {
  const width = 24;
  const filled = Math.round((done / total) * width);
  const eta = done === 0 ? '?' : `${Math.round(((elapsedMs / done) * (total - done)) / 1000)}s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs, ${failures} failed, ${Math.round(elapsedMs / 1000)}s elapsed, ETA ${eta}`;
}

export const verb: Verb = {
  summary: 'many seeded runs against a real cluster (the main job)',
  usage: `  --seed S (default: random, printed)  --runs N (default 20)  --minutes M\n${labUsage}`,
  async run(argv) {
    const args = parseFlags(argv, { ...labOptionSpecs, seed: { type: 'string' }, runs: { type: 'string' }, minutes: { type: 'string' } });
    const flags = labFlags(args);
    writableDirectory('--artifacts', flags.artifactsRoot);
    const root = seedFlag(args) ?? randomInt(0, 2 ** 31 - 1);
    const runs = integerFlag(args, 'runs', 1, 1_000_000) ?? 20;
    const minutes = integerFlag(args, 'minutes', 1, 10_000);
    const stopAt = minutes === undefined ? Infinity : performance.now() + minutes * 60_000;
    const interactive = process.stderr.isTTY === true && !flags.json;
    const say = (line: string): void => void process.stderr.write(`${interactive ? '\r\x1b[K' : ''}${line}\n`);
    say(`explore root seed ${root}: strategy=${flags.strategy}${flags.bug ? ` bug=${flags.bug}` : ''} runs=${runs} constraints=${JSON.stringify(flags.constraints)}`);
    const pool = new ClusterPool({ strategy: flags.strategy, bug: flags.bug, proxy: flags.proxy, reuse: flags.reuse, announce: say });
    const results: RunResult[] = [];
    const explored: ExploreRun[] = [];
    const started = performance.now();
    try {
      for (let index = 0; index < runs && performance.now() < stopAt; index += 1) {
        const seeds = runSeeds(root, index);
        say(seedLine(seeds));
        const plan = planFor(seeds.plan, '0', flags.constraints);
        const outcome = await trial(plan, seeds, { pool, limits: limitsFrom(flags), artifactsRoot: flags.artifactsRoot, shrink: flags.shrink, shrinkLimits: flags.shrinkLimits, keepPassing: flags.keepPassing });
        results.push(outcome.result);
        explored.push(outcome.shrunk === undefined ? { result: outcome.result } : { result: outcome.result, shrunk: outcome.shrunk.smallest });
        if (outcome.result.verdict === 'illegal') say(failureStory(outcome.shrunk?.smallest ?? outcome.result, outcome.shrunk));
        const failures = results.filter((run) => run.verdict === 'illegal').length;
        const line = progress(results.length, runs, failures, performance.now() - started);
        if (interactive) process.stderr.write(`\r\x1b[K${line}`);
        else if (results.length % 10 === 0 || results.length === runs) say(line);
      }
    } finally {
      if (interactive) process.stderr.write('\n');
      await pool.close();
    }
    const seconds = (performance.now() - started) / 1000;
    const summary = summarize(results, seconds);
    const index = writeExploreIndex(flags.artifactsRoot, { rootSeed: root, strategy: flags.strategy, runs: explored, seconds });
    if (flags.json) process.stdout.write(`${JSON.stringify({ seed: root, strategy: flags.strategy, ...summary, index })}\n`);
    else process.stdout.write(`${summaryTable(summary)}\n${summaryLegend}\nindex: ${index}\n`);
    if (summary.failedRuns > 0) return exitCode.violation;
    return summary.unknown > 0 ? exitCode.unknown : exitCode.ok;
  },
};
