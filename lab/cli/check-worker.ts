// The worker thread of `faultline check`: reads and checks whole files, or searches one partition of a
// large file, as the main thread asks, and posts the answer back. Started by check-pool.ts; not meant
// to be run by hand.
import { parentPort } from 'node:worker_threads';
import { resultFromOutcomes, searchPartition } from '../../models/index.js';
import type { AnyModel, LinearizabilityResult, ModelName, HistoryFormat, Operation, SearchOutcome } from '../../models/index.js';
import { CliError } from './exit.js';
import { modelFromSpec } from './check-model.js';
import type { ModelSpec } from './check-model.js';
import { decodeHistory, loadHistory } from './check-load.js';
import type { LoadSettings } from './check-load.js';

export interface BudgetLimits {
  cacheEntriesMax: number;
  memoryBytesMax: number;
  /** Milliseconds left of the file's time budget when the task was sent; Infinity for none. */
  remainingMs: number;
}

export type WorkerTask =
  | ({ kind: 'partition'; id: number; spec: ModelSpec; partition: Operation[]; position: number; cancel: Int32Array } & BudgetLimits)
  | ({ kind: 'file'; id: number; file: string; settings: LoadSettings; partitionsOpsMin: number } & BudgetLimits);

/** What a file task comes back with: a verdict, or the partitions to spread, or "read it on the main thread". */
export type FileAnswer =
  | { kind: 'result'; modelName: ModelName; format: HistoryFormat; result: LinearizabilityResult }
  | { kind: 'partitions'; modelName: ModelName; format: HistoryFormat; spec: ModelSpec; partitions: Operation[][] }
  | { kind: 'main-thread' }
  | { kind: 'error'; code: 'usage' | 'data'; message: string };

// Models are rebuilt once per spec: a batch of one model's files shares one.
const models = new Map<string, AnyModel>();

function modelOf(spec: ModelSpec): AnyModel {
  const key = JSON.stringify(spec);
  let model = models.get(key);
  if (model === undefined) {
    model = modelFromSpec(spec);
    models.set(key, model);
  }
  return model;
}

function deadlineOf(limits: BudgetLimits): number {
  return limits.remainingMs === Infinity ? Infinity : performance.now() + limits.remainingMs;
}

/**
 * Searches one partition with the whole budget. `cancel` (shared with the main thread) holds the
 * first illegal partition of the file found so far: a partition after it need not finish. `poll` is
 * called every few thousand steps (on the main thread: the pool may start a worker meanwhile).
 */
export function runPartition(model: AnyModel, partition: readonly Operation[], limits: BudgetLimits, cancel?: { flag: Int32Array; position: number }, poll?: () => void): SearchOutcome {
  const constraints = { cacheEntriesMax: limits.cacheEntriesMax, memoryBytesMax: limits.memoryBytesMax, now: () => performance.now() };
  const isCancelled = cancel === undefined ? () => false : () => Atomics.load(cancel.flag, 0) < cancel.position;
  const cancelled = poll === undefined ? (cancel === undefined ? undefined : isCancelled) : () => {
    poll();
    return isCancelled();
  };
  const outcome = searchPartition(model, partition, constraints, deadlineOf(limits), cancelled);
  // Said here, not when the answer reaches the main thread: that thread may be busy with a file of its
  // own, while the searches of later partitions (one of Porcupine's c50-bad takes 16 s) run on for nothing.
  if (cancel !== undefined && outcome.verdict === 'illegal') lowerIllegalAt(cancel.flag, cancel.position);
  return outcome;
}

/** Lowers the shared first illegal partition to `position`, never raises it, whichever thread comes first. */
export function lowerIllegalAt(flag: Int32Array, position: number): void {
  for (;;) {
    const current = Atomics.load(flag, 0);
    if (current <= position || Atomics.compareExchange(flag, 0, current, position) === current) return;
  }
}

/**
 * Reads and checks one file. A bank history goes back to the main thread (its run's final states are
 * read there); a file with several partitions and many ops goes back as partitions, to be spread.
 */
export function runFile(task: Extract<WorkerTask, { kind: 'file' }>, poll?: () => void): FileAnswer {
  const started = performance.now();
  try {
    const { history, format, modelName, spec } = loadHistory(task.file, task.settings);
    if (modelName === 'bank') return { kind: 'main-thread' };
    const { partitions } = decodeHistory(task.file, history, format, spec);
    const model = modelOf(spec);
    const ops = partitions.reduce((sum, partition) => sum + partition.length, 0);
    if (partitions.length > 1 && ops >= task.partitionsOpsMin) return { kind: 'partitions', modelName, format, spec, partitions };
    const outcomes = new Map<number, SearchOutcome>();
    for (const [position, partition] of partitions.entries()) {
      const outcome = runPartition(model, partition, task, undefined, poll);
      outcomes.set(position, outcome);
      if (outcome.verdict === 'illegal') break;
    }
    const context = { now: () => performance.now(), started, limits: task, timeoutMs: task.remainingMs };
    return { kind: 'result', modelName, format, result: resultFromOutcomes(model, partitions, outcomes, context) };
  } catch (error) {
    if (error instanceof CliError && error.code !== 'internal') return { kind: 'error', code: error.code, message: error.message };
    throw error;
  }
}

function answer(task: WorkerTask): SearchOutcome | FileAnswer {
  return task.kind === 'file' ? runFile(task) : runPartition(modelOf(task.spec), task.partition, task, { flag: task.cancel, position: task.position });
}

parentPort?.on('message', (task: WorkerTask) => {
  try {
    parentPort?.postMessage({ id: task.id, answer: answer(task) });
  } catch (error) {
    parentPort?.postMessage({ id: task.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
