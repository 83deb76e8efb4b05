// Runs the partitions of many histories on worker threads (or, for small jobs, on this thread), and
// turns each file's partition outcomes into its verdict. Each partition gets the whole budget, so a
// verdict never depends on --jobs; a file stops queueing partitions once one of them is illegal.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { resultFromOutcomes, searchPartition } from '../../models/index.js';
import type { AnyModel, LinearizabilityResult, Operation, SearchOutcome } from '../../models/index.js';
import type { ModelSpec } from './check-model.js';
import type { PartitionTask } from './check-worker.js';

export interface Budget {
  /** Per file, from its first partition's start; Infinity for none. */
  timeoutMs: number;
  /** Per partition search. */
  memoryBytesMax: number;
  cacheEntriesMax: number;
}

export interface PreparedFile {
  spec: ModelSpec;
  model: AnyModel;
  /** Smallest first, as partitionOperations orders them. */
  partitions: Operation[][];
}

interface FileState extends PreparedFile {
  outcomes: Map<number, SearchOutcome>;
  settled: number;
  /** The first illegal partition: the ones after it need not be searched. */
  illegalAt: number;
  started: number | undefined;
  done: (result: LinearizabilityResult | Error) => void;
}

interface Lane {
  worker: Worker | undefined;
  task: { file: FileState; position: number } | undefined;
}

const heapHeadroomMb = 256;

/**
 * The worker's entry: its compiled .js beside this one; or, when this file runs as TypeScript, a
 * two-line script that registers tsx in the worker (hooks registered here do not reach workers on
 * Node 20) and imports the .ts.
 */
function workerEntry(): { entry: string | URL; eval: boolean } {
  if (import.meta.url.endsWith('.js')) return { entry: new URL('./check-worker.js', import.meta.url), eval: false };
  // The ESM build of tsx's API: import.meta.resolve where the loader offers it, else beside its CJS build.
  const tsx = import.meta.resolve?.('tsx/esm/api') ?? pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const worker = new URL('./check-worker.ts', import.meta.url).href;
  return { entry: `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(worker)}); });`, eval: true };
}

export class CheckPool {
  private readonly lanes: Lane[];
  private readonly queue: { file: FileState; position: number }[] = [];
  private nextTaskId = 0;

  /** `workers` 0 searches on this thread, between the event loop's turns. */
  constructor(workers: number, private readonly budget: Budget) {
    // The cache's states live on the worker's heap: give it room for the budget beyond V8's default.
    const maxOldGenerationSizeMb = Math.ceil(budget.memoryBytesMax / 1024 / 1024) + heapHeadroomMb;
    this.lanes = Array.from({ length: Math.max(1, workers) }, () => ({
      worker: workers === 0 ? undefined : this.startWorker(maxOldGenerationSizeMb),
      task: undefined,
    }));
  }

  private startWorker(maxOldGenerationSizeMb: number): Worker {
    const { entry, eval: evaluate } = workerEntry();
    const worker = new Worker(entry, { eval: evaluate, resourceLimits: { maxOldGenerationSizeMb } });
    worker.on('message', (message: { id: number; outcome?: SearchOutcome; error?: string }) => this.onMessage(worker, message));
    worker.on('error', (error) => this.onWorkerError(worker, error));
    return worker;
  }

  /** Queues a file's partitions; resolves with its verdict (or an Error if a search crashed). */
  check(prepared: PreparedFile): Promise<LinearizabilityResult | Error> {
    return new Promise((resolve) => {
      const file: FileState = { ...prepared, outcomes: new Map(), settled: 0, illegalAt: Infinity, started: undefined, done: resolve };
      if (file.partitions.length === 0) this.finishFile(file);
      file.partitions.forEach((_, position) => this.queue.push({ file, position }));
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.worker?.terminate()));
  }

  private dispatch(): void {
    for (const lane of this.lanes) {
      while (lane.task === undefined && this.queue.length > 0) {
        const task = this.queue.shift() as { file: FileState; position: number };
        if (task.position > task.file.illegalAt) this.settle(task.file, task.position, undefined);
        else this.start(lane, task);
      }
    }
  }

  private start(lane: Lane, task: { file: FileState; position: number }): void {
    const { file, position } = task;
    file.started ??= performance.now();
    const remainingMs = this.budget.timeoutMs === Infinity ? Infinity : file.started + this.budget.timeoutMs - performance.now();
    lane.task = task;
    const partition = file.partitions[position] as Operation[];
    if (lane.worker !== undefined) {
      const message: PartitionTask = { id: this.nextTaskId++, spec: file.spec, partition, cacheEntriesMax: this.budget.cacheEntriesMax, memoryBytesMax: this.budget.memoryBytesMax, remainingMs: Math.max(0, remainingMs) };
      lane.worker.postMessage(message);
      return;
    }
    // On this thread: one partition a turn of the event loop, so other files' reads go on between.
    setImmediate(() => {
      const constraints = { cacheEntriesMax: this.budget.cacheEntriesMax, memoryBytesMax: this.budget.memoryBytesMax, now: () => performance.now() };
      let outcome: SearchOutcome | Error;
      try {
        outcome = searchPartition(file.model, partition, constraints, performance.now() + Math.max(0, remainingMs));
      } catch (error) {
        outcome = error instanceof Error ? error : new Error(String(error));
      }
      lane.task = undefined;
      this.settle(file, position, outcome);
      this.dispatch();
    });
  }

  private onMessage(worker: Worker, message: { outcome?: SearchOutcome; error?: string }): void {
    const lane = this.lanes.find((candidate) => candidate.worker === worker);
    const task = lane?.task;
    if (lane === undefined || task === undefined) return;
    lane.task = undefined;
    this.settle(task.file, task.position, message.outcome ?? new Error(message.error ?? 'the worker sent no outcome'));
    this.dispatch();
  }

  // A worker that dies (out of memory, say) fails its file's check; a fresh one takes its place.
  private onWorkerError(worker: Worker, error: Error): void {
    const lane = this.lanes.find((candidate) => candidate.worker === worker);
    if (lane === undefined) return;
    const task = lane.task;
    lane.task = undefined;
    lane.worker = this.startWorker(worker.resourceLimits?.maxOldGenerationSizeMb ?? heapHeadroomMb);
    if (task !== undefined) this.settle(task.file, task.position, error);
    this.dispatch();
  }

  /** Records one partition's outcome (undefined: skipped after a violation) and ends the file when all are in. */
  private settle(file: FileState, position: number, outcome: SearchOutcome | Error | undefined): void {
    file.settled += 1;
    if (outcome instanceof Error) {
      file.illegalAt = -1;
      file.done(outcome);
      return;
    }
    if (outcome !== undefined) file.outcomes.set(position, outcome);
    if (outcome?.verdict === 'illegal') file.illegalAt = Math.min(file.illegalAt, position);
    if (file.settled === file.partitions.length) this.finishFile(file);
  }

  private finishFile(file: FileState): void {
    const now = () => performance.now();
    const limits = { cacheEntriesMax: this.budget.cacheEntriesMax, memoryBytesMax: this.budget.memoryBytesMax };
    try {
      file.done(resultFromOutcomes(file.model, file.partitions, file.outcomes, { now, started: file.started ?? now(), limits, timeoutMs: this.budget.timeoutMs }));
    } catch (error) {
      file.done(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
