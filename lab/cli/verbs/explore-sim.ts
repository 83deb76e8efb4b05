// explore in the simulator: seeds run in this process or spread over worker threads (`--workers N`), and
// with `--check-determinism` each seed runs twice and the first trace event that differs is named. It
// ends as a local explore does: results.json and index.html, so shards and campaigns merge with it.
import { join } from 'node:path';
import { exitCode } from '../exit.js';
import { printSession } from '../fleet-flags.js';
import { limitsFrom } from '../lab-flags.js';
import type { LabFlags } from '../lab-flags.js';
import { planFor } from '../../gen/index.js';
import { runSeeds, seedLine } from '../../plan/index.js';
import type { RunSeeds } from '../../plan/index.js';
import { checkDeterminism, ClusterPool, describeDifference, simTraceOf, SimWorkers, trial } from '../../run/index.js';
import type { DeterminismCheck, Trial } from '../../run/index.js';
import { failureStory } from '../../report/index.js';
import { campaignIdOf, recordOf, resultsFormat, shardIndices, writeSession } from '../../fleet/index.js';
import type { CampaignSpec, RunRecord, Shard } from '../../fleet/index.js';
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

/** Keeps `width` runs going and hands their outcomes over in the order of `indices`. */
async function inOrder(indices: readonly number[], width: number, stopAt: number, execute: Execute, take: (explored: Explored) => void): Promise<void> {
  const started: Promise<Explored>[] = [];
  let next = 0;
  for (let position = 0; position < indices.length; position += 1) {
    while (next < indices.length && next < position + width && performance.now() < stopAt) started.push(execute(indices[next++] as number));
    const running = started[position];
    if (running === undefined) return;
    take(await running);
  }
}

export interface SimExplore {
  root: number;
  spec: CampaignSpec;
  flags: LabFlags;
  runs: number;
  shard: Shard | null;
  stopAt: number;
  workerCount: number;
  checking: boolean;
}

/** The simulator's explore: the seeds (this shard's share) in index order, on one thread or several. */
export async function exploreSim(options: SimExplore): Promise<number> {
  const { root, spec, flags, runs, stopAt, workerCount, checking } = options;
  const interactive = process.stderr.isTTY === true && !flags.json;
  const say = (line: string): void => void process.stderr.write(`${interactive ? '\r\x1b[K' : ''}${line}\n`);
  const shardText = options.shard === null ? '' : ` shard=${options.shard.index}/${options.shard.count}`;
  say(`explore root seed ${root}: mode=sim workers=${workerCount} strategy=${flags.strategy}${flags.bug ? ` bug=${flags.bug}` : ''} runs=${runs}${shardText} constraints=${JSON.stringify(flags.constraints)}`);
  const indices = shardIndices(runs, options.shard);
  const pool = new ClusterPool({ mode: 'sim', strategy: flags.strategy, bug: flags.bug, proxy: flags.proxy, reuse: flags.reuse, announce: say });
  const workers = workerCount > 1 ? new SimWorkers(workerCount) : undefined;
  const execute = workers === undefined ? inline(root, flags, checking, pool) : onWorkers(root, flags, checking, workers);
  const context = { campaign: campaignIdOf(spec), mode: 'sim' as const, worker: 'local' };
  const records: RunRecord[] = [];
  let failures = 0;
  let differing = 0;
  const started = performance.now();
  const take = (explored: Explored): void => {
    const { seeds, trial: outcome, determinism } = explored;
    say(seedLine(seeds));
    records.push(recordOf(context, outcome.result, outcome.shrunk?.smallest));
    const shown = outcome.shrunk?.smallest ?? outcome.result;
    if (outcome.result.verdict === 'illegal') {
      failures += 1;
      say(failureStory(shown, outcome.shrunk));
      say(bothReplays(shown, outcome.schedule));
    }
    if (determinism !== undefined && !determinism.same) {
      differing += 1;
      say(`${seedLine(seeds)}: not deterministic: ${describeDifference(determinism)}`);
    }
    const line = progress(records.length, indices.length, failures, performance.now() - started);
    if (interactive) process.stderr.write(`\r\x1b[K${line}`);
    else if (records.length % 10 === 0 || records.length === indices.length) say(line);
  };
  try {
    await inOrder(indices, workerCount, stopAt, execute, take);
  } finally {
    if (interactive) process.stderr.write('\n');
    await workers?.close();
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const results = { format: resultsFormat, campaign: context.campaign, spec, runs, shard: options.shard, seconds, records };
  const { summary, index } = writeSession(flags.artifactsRoot, results, (name) => join(flags.artifactsRoot, name));
  if (checking) say(`determinism: ${records.length - differing} of ${records.length} seeds gave the same trace twice, ${differing} differed`);
  const head = { seed: root, mode: 'sim', strategy: flags.strategy, ...(options.shard === null ? {} : { shard: `${options.shard.index}/${options.shard.count}` }), ...(checking ? { determinism: { seeds: records.length, differing } } : {}) };
  const code = printSession(flags.json, head, summary, index);
  return differing > 0 ? exitCode.violation : code;
}
