// A campaign: one job per seed on the shared queue, then a watch that gathers every run's record (or
// the reason its job failed) from any number of workers, and the same summary and index a local
// explore writes. The watch reads job records, not events, so it survives a Redis restart.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { FleetError } from './errors.js';
import { jobFormat, jobIdOf } from './job.js';
import type { CampaignSpec, RunJob } from './job.js';
import { forgetCampaign, loadCampaign, markCancelled, saveCampaign } from './queue.js';
import type { CampaignMeta } from './queue.js';
import { parseRecord } from './record.js';
import type { RunRecord } from './record.js';

/** Jobs added per round trip. */
const enqueueBatchMax = 500;
/** Job records read per poll: the lowest pending indices, which the queue hands out first. */
const pollBatchMax = 512;
/** A poll that takes longer than this counts as the queue not answering. */
const pollMsMax = 10_000;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A job that throws is retried once; a job that stalls (its worker died) is redelivered once. */
export const jobAttempts = 2;

export interface FailedRun {
  index: number;
  reason: string;
}

export interface CampaignState {
  records: Map<number, RunRecord>;
  failed: Map<number, FailedRun>;
  running: number;
}

/** Records the campaign and adds the jobs it lacks; an index whose job exists (run or not) is not added again. */
export async function enqueueCampaign(client: Redis, queue: Queue, id: string, spec: CampaignSpec, runs: number): Promise<CampaignMeta> {
  const meta = await saveCampaign(client, { id, spec, runs, createdMs: Date.now(), cancelled: false });
  for (let start = 0; start < meta.runs; start += enqueueBatchMax) {
    const jobs = Array.from({ length: Math.min(enqueueBatchMax, meta.runs - start) }, (_, offset) => {
      const index = start + offset;
      const data: RunJob = { format: jobFormat, campaign: id, index, spec };
      // The id is the campaign and the index: BullMQ ignores an add whose id exists, so a seed runs once.
      return { name: 'run', data, opts: { jobId: jobIdOf(id, index), attempts: jobAttempts, removeOnComplete: false, removeOnFail: false } };
    });
    await queue.addBulk(jobs);
  }
  return meta;
}

/** Reads the jobs of `indices` and files each under a record, a final failure, or still to come. */
export async function pollJobs(queue: Queue, campaign: string, indices: readonly number[], state: CampaignState): Promise<void> {
  const jobs = await Promise.all(indices.map((index) => queue.getJob(jobIdOf(campaign, index))));
  let running = 0;
  jobs.forEach((job, position) => {
    const index = indices[position] as number;
    if (job === undefined || job === null) {
      state.failed.set(index, { index, reason: 'the job is gone from the queue (the campaign was cancelled, or its keys were removed)' });
      return;
    }
    if (job.finishedOn !== undefined && job.returnvalue !== null && job.returnvalue !== undefined) {
      const record = parseRecord(job.returnvalue);
      if ('problem' in record) state.failed.set(index, { index, reason: `its result is not a record: ${record.problem}` });
      else state.records.set(index, record);
    } else if (job.finishedOn !== undefined && job.failedReason !== undefined) {
      state.failed.set(index, { index, reason: job.failedReason });
    } else if (job.processedOn !== undefined) {
      running += 1;
    }
  });
  state.running = running;
}

export interface WatchOptions {
  pollMs: number;
  /** How long the queue may not answer before the watch gives up with one line. */
  queueDownMsMax: number;
  onProgress: (state: CampaignState, total: number) => void;
  say: (line: string) => void;
}

function pendingOf(runs: number, state: CampaignState): number[] {
  const pending: number[] = [];
  for (let index = 0; index < runs && pending.length < pollBatchMax; index += 1) {
    if (!state.records.has(index) && !state.failed.has(index)) pending.push(index);
  }
  return pending;
}

/** Polls until every run has a record or a final failure. A queue that stays away too long is one line, exit 70. */
export async function watchCampaign(queue: Queue, meta: CampaignMeta, options: WatchOptions): Promise<CampaignState> {
  const state: CampaignState = { records: new Map(), failed: new Map(), running: 0 };
  let downSinceMs: number | undefined;
  for (;;) {
    const pending = pendingOf(meta.runs, state);
    if (pending.length === 0) return state;
    try {
      await withDeadline(pollJobs(queue, meta.id, pending, state), pollMsMax);
      if (downSinceMs !== undefined) options.say(`the queue answers again after ${Math.round((performance.now() - downSinceMs) / 1000)} s; campaign ${meta.id} goes on`);
      downSinceMs = undefined;
      options.onProgress(state, meta.runs);
    } catch (error) {
      if (downSinceMs === undefined) options.say(`the queue does not answer (${error instanceof Error ? error.message : String(error)}); waiting up to ${Math.round(options.queueDownMsMax / 1000)} s`);
      downSinceMs ??= performance.now();
      if (performance.now() - downSinceMs > options.queueDownMsMax) {
        throw new FleetError('queue-lost', `lost the queue for ${Math.round(options.queueDownMsMax / 1000)} s; campaign ${meta.id} keeps its results in Redis: faultline campaign status ${meta.id} --queue URL`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}

/** Counts of a campaign's runs by state, read once. */
export async function campaignCounts(queue: Queue, meta: CampaignMeta): Promise<{ state: CampaignState; waiting: number }> {
  const state: CampaignState = { records: new Map(), failed: new Map(), running: 0 };
  let running = 0;
  for (let start = 0; start < meta.runs; start += pollBatchMax) {
    const indices = Array.from({ length: Math.min(pollBatchMax, meta.runs - start) }, (_, offset) => start + offset);
    await pollJobs(queue, meta.id, indices, state);
    // A job handed back by a stopping worker keeps its processedOn: ask BullMQ which ones are active.
    const unfinished = indices.filter((index) => !state.records.has(index) && !state.failed.has(index));
    const states = await Promise.all(unfinished.map((index) => queue.getJobState(jobIdOf(meta.id, index))));
    running += states.filter((each) => each === 'active').length;
  }
  state.running = running;
  return { state, waiting: meta.runs - state.records.size - state.failed.size - running };
}

/** Marks the campaign cancelled (workers refuse its jobs) and removes the jobs not yet taken. */
export async function cancelCampaign(client: Redis, queue: Queue, id: string): Promise<{ meta: CampaignMeta; removed: number }> {
  const meta = await loadCampaign(client, id);
  await markCancelled(client, id);
  let removed = 0;
  for (let index = 0; index < meta.runs; index += 1) {
    const job = await queue.getJob(jobIdOf(id, index));
    if (job === undefined || job === null || job.finishedOn !== undefined || job.processedOn !== undefined) continue;
    removed += (await queue.remove(jobIdOf(id, index))) === 1 ? 1 : 0;
  }
  return { meta, removed };
}

/**
 * Gives the campaign's failed runs (a job that stalled twice, a worker that threw) their tries again:
 * each goes back to the waiting jobs under the same id, so it still has at most one result.
 */
export async function retryCampaign(client: Redis, queue: Queue, id: string): Promise<{ meta: CampaignMeta; retried: number }> {
  const meta = await loadCampaign(client, id);
  if (meta.cancelled) throw new FleetError('cancelled', `campaign '${id}' was cancelled; a cancelled campaign is not retried`);
  let retried = 0;
  for (let index = 0; index < meta.runs; index += 1) {
    const job = await queue.getJob(jobIdOf(id, index));
    if (job === undefined || job === null || (await job.getState()) !== 'failed') continue;
    await job.retry('failed');
    retried += 1;
  }
  return { meta, retried };
}

/**
 * Deletes the campaign from the queue: every job of it (its stored result with it) and its key. The
 * one way results leave Redis, since a campaign keeps them all until it is read: run `campaign
 * results` first. A job a worker holds is left to finish, and counted.
 */
export async function deleteCampaign(client: Redis, queue: Queue, id: string): Promise<{ meta: CampaignMeta; deleted: number; running: number }> {
  const meta = await loadCampaign(client, id);
  await markCancelled(client, id);
  let deleted = 0;
  let running = 0;
  for (let index = 0; index < meta.runs; index += 1) {
    const removed = await queue.remove(jobIdOf(id, index));
    if (removed === 1) deleted += 1;
    else if ((await queue.getJobState(jobIdOf(id, index))) === 'active') running += 1;
  }
  if (running === 0) await forgetCampaign(client, id);
  return { meta, deleted, running };
}

