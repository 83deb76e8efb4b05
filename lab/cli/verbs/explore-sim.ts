// explore in the simulator: seeds run in this process or spread over worker threads (`--workers N`), and
// with `--check-determinism` each seed runs twice and the first trace event that differs is named.
import { exitCode } from '../exit.js';
import { limitsFrom } from '../lab-flags.js';
import type { LabFlags } from '../lab-flags.js';
import { planFor } from '../../gen/index.js';
import { runSeeds, seedLine } from '../../plan/index.js';
import type { RunSeeds } from '../../plan/index.js';
import { checkDeterminism, ClusterPool, describeDifference, simTraceOf, SimWorkers, trial } from '../../run/index.js';
import type { DeterminismCheck, Trial } from '../../run/index.js';
import { failureStory, summarize, summaryLegend, summaryTable } from '../../report/index.js';
import type { RunResult } from '../../report/index.js';
import { bothReplays } from './run.js';

function progress(done: number, total: number, failures: number, elapsedMs: number): string {
  const width = 24;
  const filled = Math.round((done / total) * width);
  const eta = done === 0 ? '?' : `${Math.round(((elapsedMs / done) * (total - done)) / 1000)}s`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} runs, ${failures} failed, ${Math.round(elapsedMs / 1000)}s elapsed, ETA ${eta}`;
}

interface Explored {
  seeds: RunSeeds;
  trial: Trial;
  determinism?: DeterminismCheck | undefined;
}

type Execute = (index: number) => Promise<Explored>;

/** Runs in this process, one after another: the real cluster, or the simulator with one worker. */
function inline(root: number, flags: LabFlags, checking: boolean, pool: ClusterPool): Execute {
  return async (index) => {
    const seeds = runSeeds(root, index);
    const plan = planFor(seeds.plan, '0', flags.constraints);
    const outcome = await trial(plan, seeds, { pool, limits: limitsFrom(flags), artifactsRoot: flags.artifactsRoot, shrink: flags.shrink, keepPassing: flags.keepPassing });
    if (!checking) return { seeds, trial: outcome };
    const determinism = await checkDeterminism({ plan, seeds, strategy: flags.strategy, bug: flags.bug, limits: limitsFrom(flags) }, simTraceOf(outcome.result));
    return { seeds, trial: outcome, determinism };
  };
}

/** Simulated trials on worker threads; each seed's run is the same whichever worker takes it. */
function onWorkers(root: number, flags: LabFlags, checking: boolean, workers: SimWorkers): Execute {
  return async (index) => {
    const seeds = runSeeds(root, index);
    const plan = planFor(seeds.plan, '0', flags.constraints);
    const outcome = await workers.run({
      id: index, plan, seeds, strategy: flags.strategy, bug: flags.bug, limits: limitsFrom(flags), artifactsRoot: flags.artifactsRoot,
      shrink: flags.shrink, keepPassing: flags.keepPassing, checkDeterminism: checking,
    });
    return { seeds, trial: outcome.trial, determinism: outcome.determinism };
  };
}

/** Keeps `width` runs going and hands their outcomes over in index order. */
async function inOrder(runs: number, width: number, stopAt: number, execute: Execute, take: (explored: Explored) => void): Promise<void> {
  const started: Promise<Explored>[] = [];
  let next = 0;
  for (let index = 0; index < runs; index += 1) {
    while (next < runs && next < index + width && performance.now() < stopAt) started.push(execute(next++));
    const running = started[index];
    if (running === undefined) return;
    take(await running);
  }
}

export interface SimExplore {
  root: number;
  flags: LabFlags;
  runs: number;
  stopAt: number;
  workerCount: number;
  checking: boolean;
}

/** The simulator's explore: the seeds in index order, on one thread or several. */
export async function exploreSim(options: SimExplore): Promise<number> {
  const { root, flags, runs, stopAt, workerCount, checking } = options;
    const interactive = process.stderr.isTTY === true && !flags.json;
    const say = (line: string): void => void process.stderr.write(`${interactive ? '\r\x1b[K' : ''}${line}\n`);
    say(`explore root seed ${root}: mode=${flags.mode}${flags.mode === 'sim' ? ` workers=${workerCount}` : ''} strategy=${flags.strategy}${flags.bug ? ` bug=${flags.bug}` : ''} runs=${runs} constraints=${JSON.stringify(flags.constraints)}`);
    const pool = new ClusterPool({ mode: flags.mode, strategy: flags.strategy, bug: flags.bug, proxy: flags.proxy, reuse: flags.reuse, announce: say });
    const workers = workerCount > 1 ? new SimWorkers(workerCount) : undefined;
    const execute = workers === undefined ? inline(root, flags, checking, pool) : onWorkers(root, flags, checking, workers);
    const results: RunResult[] = [];
    let differing = 0;
    const started = performance.now();
    const take = (explored: Explored): void => {
      const { seeds, trial: outcome, determinism } = explored;
      say(seedLine(seeds));
      results.push(outcome.result);
      const shown = outcome.shrunk?.smallest ?? outcome.result;
      if (outcome.result.verdict === 'illegal') say(failureStory(shown, outcome.shrunk));
      if (outcome.result.verdict === 'illegal' && flags.mode === 'sim') say(bothReplays(shown, outcome.schedule));
      if (determinism !== undefined && !determinism.same) {
        differing += 1;
        say(`${seedLine(seeds)}: not deterministic: ${describeDifference(determinism)}`);
      }
      const line = progress(results.length, runs, results.filter((run) => run.verdict === 'illegal').length, performance.now() - started);
      if (interactive) process.stderr.write(`\r\x1b[K${line}`);
      else if (results.length % 10 === 0 || results.length === runs) say(line);
    };
    try {
      await inOrder(runs, workerCount, stopAt, execute, take);
    } finally {
      if (interactive) process.stderr.write('\n');
      await workers?.close();
      await pool.close();
    }
    const summary = summarize(results, (performance.now() - started) / 1000);
    if (checking) say(`determinism: ${results.length - differing} of ${results.length} seeds gave the same trace twice, ${differing} differed`);
    if (flags.json) process.stdout.write(`${JSON.stringify({ seed: root, mode: flags.mode, strategy: flags.strategy, ...(checking ? { determinism: { seeds: results.length, differing } } : {}), ...summary })}\n`);
    else process.stdout.write(`${summaryTable(summary)}\n${summaryLegend}\n`);
    if (summary.failedRuns > 0 || differing > 0) return exitCode.violation;
    return summary.unknown > 0 ? exitCode.unknown : exitCode.ok;
}
