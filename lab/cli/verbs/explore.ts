// `faultline explore [--strategy S] [--runs N] [--seed S] [--minutes M] ...`: the main job. Run k has
// the seeds runSeeds(root, k), printed as one SEED= line; every failure is shrunk and saved under artifacts/.
// `--shard I/N` runs its part of the seeds (merge the parts with `faultline merge`); `--queue URL`
// makes it a campaign over the workers of a queue (verbs/campaign.ts).
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { integerFlag, parseFlags, stringFlag } from '../args.js';
import { usageError } from '../exit.js';
import { writableDirectory } from '../output-paths.js';
import type { Verb } from '../verb.js';
import { otherSystem, systemExplore, systemUsage } from './system.js';
import { labFlags, labOptionSpecs, labUsage, seedFlag } from '../lab-flags.js';
import type { LabFlags } from '../lab-flags.js';
import { fleetCall, printSession, progressLine, queueFlag, sayer, specOf } from '../fleet-flags.js';
import { exploreOnQueue } from './campaign.js';
import { exploreSim } from './explore-sim.js';
import { defaultSimWorkers } from '../../run/index.js';
import { campaignIdOf, parseShard, poolFor, resultsFormat, runIndex, shardIndices, writeSession } from '../../fleet/index.js';
import type { CampaignSpec, RunRecord, Shard } from '../../fleet/index.js';
import { runSeeds, seedLine } from '../../plan/index.js';
import { failureStory } from '../../report/index.js';

interface LocalExplore {
  spec: CampaignSpec;
  flags: LabFlags;
  runs: number;
  shard: Shard | null;
  stopAt: number;
  interactive: boolean;
}

/** The local loop: every index of this machine's share of the seeds, one after another on one pool. */
async function exploreLocally(options: LocalExplore): Promise<number> {
  const { spec, flags, interactive } = options;
  const say = sayer(interactive);
  const indices = shardIndices(options.runs, options.shard);
  const pool = poolFor(spec, say);
  const records: RunRecord[] = [];
  let failures = 0;
  const started = performance.now();
  try {
    for (const index of indices) {
      if (performance.now() >= options.stopAt) break;
      say(seedLine(runSeeds(spec.rootSeed, index)));
      const outcome = await runIndex(spec, index, pool, flags.artifactsRoot, { campaign: campaignIdOf(spec), mode: spec.mode, worker: 'local' });
      records.push(outcome.record);
      if (outcome.trial.result.verdict === 'illegal') {
        failures += 1;
        say(failureStory(outcome.trial.shrunk?.smallest ?? outcome.trial.result, outcome.trial.shrunk));
      }
      const line = progressLine(records.length, indices.length, failures, performance.now() - started);
      if (interactive) process.stderr.write(`\r\x1b[K${line}`);
      else if (records.length % 10 === 0 || records.length === indices.length) say(line);
    }
  } finally {
    if (interactive) process.stderr.write('\n');
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const results = { format: resultsFormat, campaign: campaignIdOf(spec), spec, runs: options.runs, shard: options.shard, seconds, records };
  const { summary, index } = writeSession(flags.artifactsRoot, results, (name) => join(flags.artifactsRoot, name));
  return printSession(flags.json, { seed: spec.rootSeed, strategy: spec.strategy, ...(options.shard === null ? {} : { shard: `${options.shard.index}/${options.shard.count}` }) }, summary, index);
}

export const verb: Verb = {
  summary: 'many seeded runs against a real cluster or in the simulator (the main job)',
  usage: [
    '  --seed S (default: random, printed)  --runs N (default 20)  --minutes M',
    '  --shard I/N                         run only indices k with k mod N = I-1 (merge the shards with faultline merge)',
    '  --queue redis://HOST:PORT           a campaign: one job per seed for the workers of that queue (faultline worker)',
    '  --campaign ID                       the campaign\'s id (default: from the seed and the spec, so a rerun joins it)',
    '  --workers N                         (--mode sim) worker threads the seeds spread over (default: the cores)',
    '  --check-determinism                 (--mode sim) run each seed twice and name the first trace event that differs',
    '  --queue-down-s N                    how long a campaign waits for a queue that stops answering (default 60)',
    labUsage,
    systemUsage,
  ].join('\n'),
  async run(argv) {
    if (otherSystem(argv) !== undefined) return systemExplore(argv);
    const extra = {
      seed: { type: 'string' }, runs: { type: 'string' }, minutes: { type: 'string' }, shard: { type: 'string' }, queue: { type: 'string' }, campaign: { type: 'string' },
      'queue-down-s': { type: 'string' }, workers: { type: 'string' }, 'check-determinism': { type: 'boolean' },
    } as const;
    const args = parseFlags(argv, { ...labOptionSpecs, ...extra });
    const flags = labFlags(args);
    writableDirectory('--artifacts', flags.artifactsRoot);
    const root = seedFlag(args) ?? randomInt(0, 2 ** 31 - 1);
    const runs = integerFlag(args, 'runs', 1, 1_000_000) ?? 20;
    const minutes = integerFlag(args, 'minutes', 1, 10_000);
    const shardText = stringFlag(args, 'shard');
    const address = await queueFlag(args);
    const { mode } = flags;
    const checking = args.values['check-determinism'] === true;
    if (checking && mode !== 'sim') throw usageError('--check-determinism needs --mode sim: only the simulator replays a seed exactly');
    const workerCount = integerFlag(args, 'workers', 1, 256) ?? (mode === 'sim' ? defaultSimWorkers() : 1);
    if (workerCount > 1 && mode !== 'sim') throw usageError('--workers needs --mode sim: real clusters run one at a time');
    if (address !== undefined && shardText !== undefined) throw usageError('--shard is for runs without a queue; a campaign shares its seeds among the workers itself');
    if (address === undefined && (args.values.campaign !== undefined || args.values['queue-down-s'] !== undefined)) throw usageError('--campaign and --queue-down-s go with --queue');
    if (address !== undefined && minutes !== undefined) throw usageError('--minutes is for a local explore; a campaign runs its --runs seeds (campaign cancel stops it)');
    const shard = shardText === undefined ? null : await fleetCall(() => parseShard(shardText));
    const interactive = process.stderr.isTTY === true && !flags.json;
    const spec = specOf(flags, root, mode);
    sayer(interactive)(`explore root seed ${root}: strategy=${flags.strategy}${flags.bug ? ` bug=${flags.bug}` : ''} runs=${runs}${shard === null ? '' : ` shard=${shard.index}/${shard.count}`} constraints=${JSON.stringify(flags.constraints)}`);
    if (address !== undefined) {
      const queueDownS = integerFlag(args, 'queue-down-s', 1, 86_400) ?? 60;
      return exploreOnQueue({ address, spec, runs, campaign: stringFlag(args, 'campaign'), flags, interactive, queueDownMs: queueDownS * 1000 });
    }
    const stopAt = minutes === undefined ? Infinity : performance.now() + minutes * 60_000;
    if (mode === 'sim') return exploreSim({ root, spec, flags, runs, shard, stopAt, workerCount, checking });
    return exploreLocally({ spec, flags, runs, shard, stopAt, interactive });
  },
};
