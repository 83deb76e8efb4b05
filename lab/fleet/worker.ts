// A fleet worker: takes run jobs off the queue, runs each on a cluster pool of its own, and returns
// the run's record as the job's result (with a failure's artifacts packed in it). BullMQ stores the
// result in the same step that completes the job under its lock, so a job has one result or none.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Job } from 'bullmq';
import type { ClusterPool } from '../run/index.js';
import { summaryLine } from '../report/index.js';
import { jobIdOf, parseRunJob } from './job.js';
import type { CampaignSpec, RunJob, RunMode } from './job.js';
import { packDirectories } from './pack.js';
import { isCancelled, keyPrefix, queueLibraries, queueName, redisClient } from './queue.js';
import type { QueueAddress, QueueLibraries } from './queue.js';
import { poolFor, runIndex } from './execute.js';
import type { RunRecord } from './record.js';

/** A failure's artifacts are small (tens of KB); a result above this is refused, its artifacts left on disk. */
export const resultBytesMaxDefault = 8 * 1024 * 1024;
/** How long a job stays locked to a worker that stops renewing it (kill -9, machine lost). */
export const lockMsDefault = 30_000;
/** Modes this worker runs: real clusters, and the simulator (sim jobs share the process; the runtime guard counts for all of them). */
export const supportedModes: readonly RunMode[] = ['real', 'sim'];

export interface FleetWorkerOptions {
  address: QueueAddress;
  concurrency: number;
  lockMs: number;
  resultBytesMax: number;
  /** Where a result too large for the queue leaves its artifacts. */
  artifactsRoot: string;
  say: (line: string) => void;
}

export interface FleetWorker {
  close(): Promise<void>;
}

/** Idle cluster pools by spec: a pool runs one job at a time, and a worker with concurrency N keeps up to N. */
class Pools {
  private readonly idle = new Map<string, ClusterPool[]>();

  take(spec: CampaignSpec): ClusterPool {
    return this.idle.get(this.keyOf(spec))?.pop() ?? poolFor(spec);
  }

  give(spec: CampaignSpec, pool: ClusterPool): void {
    const key = this.keyOf(spec);
    this.idle.set(key, [...(this.idle.get(key) ?? []), pool]);
  }

  async closeAll(): Promise<void> {
    const pools = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private keyOf(spec: CampaignSpec): string {
    return JSON.stringify([spec.strategy, spec.bug, spec.proxy, spec.reuse]);
  }
}

function checkedJob(job: Job, { UnrecoverableError }: QueueLibraries['bullmq']): RunJob {
  const parsed = parseRunJob(job.data);
  if ('problem' in parsed) throw new UnrecoverableError(`bad job ${job.id ?? '?'}: ${parsed.problem}`);
  if (!supportedModes.includes(parsed.spec.mode)) throw new UnrecoverableError(`bad job ${job.id ?? '?'}: mode '${parsed.spec.mode}' is not supported by this worker (it runs ${supportedModes.join(', ')})`);
  if (job.id !== jobIdOf(parsed.campaign, parsed.index)) throw new UnrecoverableError(`bad job ${job.id ?? '?'}: its id is not ${jobIdOf(parsed.campaign, parsed.index)}`);
  return parsed;
}

/** Packs the kept directories into the record, or leaves them on this machine when they are too large. */
function withArtifacts(record: RunRecord, directories: readonly string[], options: FleetWorkerOptions, worker: string): RunRecord {
  if (directories.length === 0) return record;
  const packed = packDirectories(directories);
  if (packed.length <= options.resultBytesMax) return { ...record, artifacts: { packed, bytes: packed.length } };
  const root = resolve(options.artifactsRoot);
  mkdirSync(root, { recursive: true });
  for (const directory of directories) cpSync(directory, join(root, directory.split('/').pop() as string), { recursive: true });
  options.say(`worker ${worker}: run ${record.index} of ${record.campaign}: result too large (${packed.length} bytes packed > ${options.resultBytesMax}); artifacts left in ${root}`);
  return { ...record, artifacts: { leftAt: `${hostname()}:${root}`, bytes: packed.length } };
}

interface Lifecycle {
  worker: string;
  cancelled: (campaign: string) => Promise<boolean>;
  /** True once SIGTERM or SIGINT came: the clusters are gone, and a job cut short is no fault of its. */
  stopping: () => boolean;
}

function processorOf(options: FleetWorkerOptions, pools: Pools, lifecycle: Lifecycle, bullmq: QueueLibraries['bullmq']) {
  const { DelayedError, UnrecoverableError } = bullmq;
  const { worker, cancelled } = lifecycle;
  return async function processRunJob(job: Job, token?: string): Promise<RunRecord> {
    const runJob = checkedJob(job, bullmq);
    if (await cancelled(runJob.campaign)) throw new UnrecoverableError(`campaign ${runJob.campaign} was cancelled`);
    const pool = pools.take(runJob.spec);
    const scratch = mkdtempSync(join(tmpdir(), 'faultline-job-'));
    let healthy = false;
    try {
      const outcome = await runIndex(runJob.spec, runJob.index, pool, scratch, { campaign: runJob.campaign, mode: runJob.spec.mode, worker });
      // A signal kills the clusters under a run, which can then end as a verdict of its own ('unknown'):
      // such a run says nothing about the system, so it goes back to the queue like one that threw.
      if (lifecycle.stopping()) throw new Error('the worker is stopping');
      healthy = true;
      options.say(`worker ${worker}: ${job.id}: ${summaryLine(outcome.trial.shrunk?.smallest ?? outcome.trial.result)}`);
      return withArtifacts(outcome.record, outcome.directories, options, worker);
    } catch (error) {
      if (!lifecycle.stopping()) throw error;
      // Back to the queue without spending one of its attempts: the run did not fail, its worker left.
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    } finally {
      // A pool whose run threw may hold a broken cluster: close it rather than hand it to the next job.
      if (healthy) pools.give(runJob.spec, pool);
      else await pool.close().catch(() => undefined);
      rmSync(scratch, { recursive: true, force: true });
    }
  };
}

/**
 * Starts taking jobs. A job whose worker stops renewing its lock goes back to the queue once the lock
 * expires (BullMQ's stalled check, run by every worker); after a second stall, or a second thrown
 * error, it goes to the failed set with its reason instead of killing workers for ever.
 */
export async function startFleetWorker(options: FleetWorkerOptions): Promise<FleetWorker> {
  const name = `${hostname()}:${process.pid}`;
  const { bullmq } = await queueLibraries();
  const pools = new Pools();
  const client = await redisClient(options.address);
  client.on('error', () => undefined);
  let stopping = false;
  const lifecycle: Lifecycle = { worker: name, cancelled: (campaign) => isCancelled(client, campaign), stopping: () => stopping };
  const worker = new bullmq.Worker(queueName, processorOf(options, pools, lifecycle, bullmq), {
    name,
    prefix: keyPrefix,
    connection: { url: options.address.url, maxRetriesPerRequest: null },
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: 1,
  });
  let reported = '';
  worker.on('error', (error) => {
    // Redis going away repeats the same error every reconnect attempt: say it once.
    if (error.message !== reported) options.say(`worker ${name}: queue error: ${error.message}`);
    reported = error.message;
  });
  worker.on('ready', () => { reported = ''; });
  worker.on('failed', (job, error) => options.say(`worker ${name}: ${job?.id ?? '?'} failed: ${error.message}`));
  options.say(`worker ${name}: taking jobs from ${options.address.url} (concurrency ${options.concurrency}, lock ${options.lockMs} ms)`);
  return {
    async close() {
      stopping = true;
      await worker.close();
      await pools.closeAll();
      client.disconnect();
    },
  };
}
