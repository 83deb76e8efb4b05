// bench/fleet: cases per minute of a campaign over W workers on this machine against one local
// explore of the same seeds (real clusters, or with --mode sim the simulator on one thread), in the same run, and where a campaign's extra time goes (queue
// wait, the worker's own work beside the run, the coordinator's polling) with Redis's load per job.
// Run: npm run bench:fleet [-- --runs 12 --workers 2 --concurrency 1 --ops 8 --mode real|sim]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { jobIdOf, openQueue, parseQueueUrl, readResultsFile } from '../lab/fleet/index.js';
import type { ResultsFile } from '../lab/fleet/index.js';
import { table } from '../lab/report/index.js';
import { startRedis } from '../lab/fleet/_testing/redis.js';
import type { TestRedis } from '../lab/fleet/_testing/redis.js';
import { faultline, startWorker } from '../lab/fleet/_testing/processes.js';
import type { TestWorker } from '../lab/fleet/_testing/processes.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '12' }, workers: { type: 'string', default: '2' }, ops: { type: 'string', default: '8' }, seed: { type: 'string', default: '7' }, mode: { type: 'string', default: 'real' }, concurrency: { type: 'string', default: '1' } } });
if (values.mode !== 'real' && values.mode !== 'sim') throw new Error(`--mode takes real or sim, got '${values.mode}'`);
const runs = Number(values.runs);
const workerCount = Number(values.workers);
const sessionArgs = ['--mode', values.mode, ...(values.mode === 'sim' ? ['--workers', '1'] : []), '--seed', String(values.seed), '--runs', String(runs), '--strategy', 'lock-free', '--ops', String(values.ops), '--branches', '2', '--faults', 'light', '--no-shrink', '--json'];

async function timed(args: string[], cwd: string): Promise<{ seconds: number; results: ResultsFile }> {
  const started = performance.now();
  const done = await faultline(args, cwd).exited;
  const seconds = (performance.now() - started) / 1000;
  if (done.code !== 0 && done.code !== 1) throw new Error(`faultline ${args[0]} exited ${done.code}: ${done.stderr}`);
  const index = (JSON.parse(done.stdout.trim().split('\n').pop() as string) as { index: string }).index;
  return { seconds, results: readResultsFile(index) };
}

/** Bytes Redis holds per stored job (its hash: data, record, timestamps), the mean over the campaign's. */
async function bytesPerJob(url: string, results: ResultsFile): Promise<number> {
  const client = new Redis(url);
  try {
    const sizes = await Promise.all(results.records.map((record) => client.memory('USAGE', `faultline:runs:${jobIdOf(record.campaign, record.index)}`)));
    return sizes.reduce<number>((total, size) => total + Number(size ?? 0), 0) / Math.max(sizes.length, 1);
  } finally {
    client.disconnect();
  }
}

async function redisCounters(url: string): Promise<{ commands: number; inputBytes: number; memory: number }> {
  const client = new Redis(url);
  try {
    const info = await client.info();
    const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return { commands: field('total_commands_processed'), inputBytes: field('total_net_input_bytes'), memory: field('used_memory') };
  } finally {
    client.disconnect();
  }
}

/** Per job, from BullMQ's own timestamps: waiting in the queue, and the worker's time beside the run. */
async function jobTimes(url: string, results: ResultsFile): Promise<{ waitMs: number; besideMs: number }> {
  const queue = await openQueue(parseQueueUrl(url));
  try {
    let waitMs = 0;
    let besideMs = 0;
    for (const record of results.records) {
      const job = await queue.getJob(jobIdOf(record.campaign, record.index));
      if (job?.processedOn === undefined || job.finishedOn === undefined) continue;
      waitMs += job.processedOn - job.timestamp;
      besideMs += job.finishedOn - job.processedOn - record.run.stats.durationMs;
    }
    return { waitMs: waitMs / results.records.length, besideMs: besideMs / results.records.length };
  } finally {
    await queue.close();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'faultline-bench-fleet-'));
  let redis: TestRedis | undefined;
  const workers: TestWorker[] = [];
  try {
    const local = await timed(['explore', ...sessionArgs, '--artifacts', join(work, 'local')], work);
    redis = await startRedis();
    for (let count = 0; count < workerCount; count += 1) workers.push(await startWorker(redis.url, work, ['--concurrency', values.concurrency]));
    const before = await redisCounters(redis.url);
    const campaign = await timed(['explore', '--queue', redis.url, ...sessionArgs, '--artifacts', join(work, 'campaign')], work);
    const after = await redisCounters(redis.url);
    const times = await jobTimes(redis.url, campaign.results);
    const jobBytes = await bytesPerJob(redis.url, campaign.results);
    const runMs = (results: ResultsFile): number => results.records.reduce((total, record) => total + record.run.stats.durationMs, 0) / results.records.length;
    console.log(table([
      ['session', 'runs', 'wall s', 'cases/min', 'mean run ms', 'queue wait ms/job', 'worker beside run ms/job'],
      ['local explore', String(local.results.records.length), local.seconds.toFixed(1), ((runs / local.seconds) * 60).toFixed(1), runMs(local.results).toFixed(0), '-', '-'],
      [`campaign, ${workerCount} workers`, String(campaign.results.records.length), campaign.seconds.toFixed(1), ((runs / campaign.seconds) * 60).toFixed(1), runMs(campaign.results).toFixed(0), times.waitMs.toFixed(0), times.besideMs.toFixed(0)],
    ]));
    console.log(`redis per job: ${((after.commands - before.commands) / runs).toFixed(0)} commands, ${((after.inputBytes - before.inputBytes) / runs / 1024).toFixed(1)} KiB in, ${(jobBytes / 1024).toFixed(1)} KiB held per job; memory ${(after.memory / 1024 / 1024).toFixed(1)} MiB after ${runs} jobs`);
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
