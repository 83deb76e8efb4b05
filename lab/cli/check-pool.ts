// Runs `faultline check`'s work on this thread and, once the work measured so far says a second thread
// pays, on worker threads too: whole files, and the partitions of large ones; it turns each file's
// partition outcomes into its verdict. Each partition gets the whole budget, so a verdict never depends
// on --jobs or on when a worker started; a file stops queueing partitions once one of them is illegal.
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { resultFromOutcomes } from '../../models/index.js';
import type { AnyModel, LinearizabilityResult, Operation, SearchOutcome } from '../../models/index.js';
import type { ModelSpec } from './check-model.js';
import type { LoadSettings } from './check-load.js';
import { lowerIllegalAt, runFile, runPartition } from './check-worker.js';
import type { BudgetLimits, FileAnswer, WorkerTask } from './check-worker.js';

export interface Budget {
  /** Per file, from its first search's start; Infinity for none. */
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
  /** illegalAt, shared with the workers, so that searches of later partitions stop. */
  cancel: Int32Array;
  started: number | undefined;
  done: (result: LinearizabilityResult | Error) => void;
}

type Job =
  | { kind: 'partition'; file: FileState; position: number }
  | { kind: 'file'; file: string; settings: LoadSettings; done: (answer: FileAnswer | Error) => void };

interface Lane {
  /** undefined: this thread. */
  worker: Worker | undefined;
  /** Sent and not yet answered, oldest first: a worker answers in order. */
  jobs: Job[];
}

const heapHeadroomMb = 256;
/**
 * Jobs sent ahead to a worker, so it never waits for this thread between two (this thread may be busy
 * with a search of its own); few, so that the last jobs still spread evenly.
 */
const workerJobsAhead = 3;
/** What the shared cancel flag holds while no partition of the file is illegal. */
const noneIllegal = 0x7fffffff;
/** A file with fewer ops is searched whole by one worker; a larger one has its partitions spread. */
export const spreadOpsMin = 1_000;
/**
 * A worker costs its start: its own Node environment, the bundle loaded and compiled again, and its
 * own warm-up of the search (1.4-2.7 G instructions when two threads checked Porcupine's 108 logs,
 * where the whole batch on one thread takes 6.1 G). It pays only where it gets a core of its own: on
 * a busy machine (load 10-13 on two cores) the batch took 3.4-5.8 s with a worker against 1.8-3.2 s
 * without. So this thread starts alone, and a worker starts only while jobs wait, this thread has been
 * busy this long with one job (a long search: the worker takes the files behind it) or this long in
 * all (a batch of many small files), and the machine's cores were idle this much meanwhile.
 */
export const workerStartDefaults: WorkerStartConstraints = { jobBusyMs: 20, totalBusyMs: 120, idleCoresMin: 0.6 };
/** How often a busy thread looks again at the machine's idle time, once the busy time asks for a worker. */
const idleRecheckMs = 25;

/** When this thread's busy time starts a worker (jobs waiting): a test sets 0 or Infinity. */
export interface WorkerStartConstraints {
  /** Busy with one job this long. */
  jobBusyMs: number;
  /** Busy with the jobs so far this long in all. */
  totalBusyMs: number;
  /** Idle cores the machine had, on average, since the pool started or last looked (the kernel's counters). */
  idleCoresMin: number;
}

/** The machine's idle and total CPU time over all cores, in ms, as the kernel counts it (in ticks). */
function cpuTimes(): { idle: number; total: number; cores: number } {
  let idle = 0;
  let total = 0;
  const cores = cpus();
  for (const { times } of cores) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total, cores: cores.length };
}

/**
 * The worker's entry: its compiled .js beside this one (tsc's dist/), or its bundle beside the chunk
 * this code sits in (dist/check, scripts/bundle-check.mjs); or, when this file runs as TypeScript, a
 * two-line script that registers tsx in the worker (hooks registered here do not reach workers on
 * Node 20) and imports the .ts.
 */
function workerEntry(): { entry: string | URL; eval: boolean } {
  if (import.meta.url.endsWith('.js')) return { entry: new URL('./check-worker.js', import.meta.url), eval: false };
  if (import.meta.url.endsWith('.mjs')) return { entry: new URL('./check-worker.mjs', import.meta.url), eval: false };
  // The ESM build of tsx's API: import.meta.resolve where the loader offers it, else beside its CJS build.
  const tsx = import.meta.resolve?.('tsx/esm/api') ?? pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const worker = new URL('./check-worker.ts', import.meta.url).href;
  return { entry: `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(worker)}); });`, eval: true };
}

export class CheckPool {
  /** This thread's lane first, then the workers' in the order they started. */
  private readonly lanes: Lane[] = [{ worker: undefined, jobs: [] }];
  private readonly queue: Job[] = [];
  private nextTaskId = 0;
  private readonly heapMb: number;
  /** When this thread's current job started, and its busy time over the jobs before it. */
  private jobStarted = 0;
  private busyMs = 0;
  /** The kernel's CPU times when the pool started or last looked, and when that was. */
  private cpuSeen = cpuTimes();
  private cpuSeenAt = performance.now();

  /**
   * At most `threads` searching at once: this thread, one job a turn of its event loop, and up to
   * threads - 1 workers, started as the work measured so far asks for them (workerStartDefaults).
   */
  constructor(private readonly threads: number, private readonly budget: Budget, private readonly workerStart = workerStartDefaults) {
    // The cache's states live on the worker's heap: give it room for the budget beyond V8's default.
    this.heapMb = Math.ceil(budget.memoryBytesMax / 1024 / 1024) + heapHeadroomMb;
  }

  /** The worker threads started so far. */
  get workers(): number {
    return this.lanes.length - 1;
  }

  private startWorker(): Worker {
    const { entry, eval: evaluate } = workerEntry();
    const worker = new Worker(entry, { eval: evaluate, resourceLimits: { maxOldGenerationSizeMb: this.heapMb } });
    worker.on('message', (message: { answer?: SearchOutcome | FileAnswer; error?: string }) => this.onMessage(worker, message));
    worker.on('error', (error) => this.onWorkerError(worker, error));
    return worker;
  }

  /**
   * Whether the machine had idle cores enough for a worker since the pool started or last looked (at
   * most every idleRecheckMs): what this thread itself takes is not idle, so a quiet machine of two
   * cores shows about one.
   */
  private coresWereIdle(): boolean {
    const now = performance.now();
    if (now - this.cpuSeenAt < idleRecheckMs) return false;
    const times = cpuTimes();
    const total = times.total - this.cpuSeen.total;
    if (total <= 0) return false;
    const idleCores = ((times.idle - this.cpuSeen.idle) / total) * times.cores;
    this.cpuSeen = times;
    this.cpuSeenAt = now;
    return idleCores >= this.workerStart.idleCoresMin;
  }

  /** Reads and checks a file in a worker; large files come back as partitions, to be given to check(). */
  checkFile(file: string, settings: LoadSettings): Promise<FileAnswer | Error> {
    return new Promise((done) => {
      this.queue.push({ kind: 'file', file, settings, done });
      this.dispatch();
    });
  }

  /** Queues a file's partitions ahead of whole files (they are the long jobs); resolves with its verdict. */
  check(prepared: PreparedFile): Promise<LinearizabilityResult | Error> {
    return new Promise((resolve) => {
      const cancel = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)).fill(noneIllegal);
      const file: FileState = { ...prepared, outcomes: new Map(), settled: 0, illegalAt: Infinity, cancel, started: undefined, done: resolve };
      if (file.partitions.length === 0) this.finishFile(file);
      this.queue.unshift(...file.partitions.map((_, position) => ({ kind: 'partition' as const, file, position })));
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.worker?.terminate()));
  }

  /**
   * Gives this thread the jobs at the front of the queue and the workers the ones at the back. Files
   * next to each other in a batch tend to be of one kind (one model, one folder), and V8 optimizes the
   * search for the kinds of state it has seen: a thread that turns from one model to another throws
   * that code away and warms up again. Taking from both ends keeps each thread on fewer kinds; on
   * Porcupine's logs (102 register files, then 6 kv) the worker checks the kv files and this thread
   * never leaves the register (its CPU 420 ms against 470 with a worker taking from the front, load
   * 15). A partition searched on this thread stops like one in a worker
   * once an earlier partition is illegal: the worker that finds it lowers the shared flag itself,
   * without waiting for this thread.
   */
  private dispatch(): void {
    for (const lane of this.lanes) {
      const capacity = lane.worker === undefined ? 1 : workerJobsAhead;
      while (lane.jobs.length < capacity && this.queue.length > 0) {
        const job = lane.worker === undefined ? this.queue.shift() : this.queue.pop();
        if (job === undefined) break;
        if (job.kind === 'partition' && job.position > job.file.illegalAt) this.settle(job.file, job.position, undefined);
        else this.start(lane, job);
      }
    }
  }

  /**
   * Polled by this thread's searches every few thousand steps and before each of its jobs: starts a
   * worker, and hands it jobs at once, when jobs wait and this thread's busy time says one pays.
   */
  private whileBusy(): void {
    if (this.lanes.length >= this.threads || this.queue.length === 0) return;
    const jobMs = performance.now() - this.jobStarted;
    if (jobMs < this.workerStart.jobBusyMs && this.busyMs + jobMs < this.workerStart.totalBusyMs) return;
    if (this.workerStart.idleCoresMin > 0 && !this.coresWereIdle()) return;
    this.lanes.push({ worker: this.startWorker(), jobs: [] });
    this.dispatch();
  }

  /**
   * Whether a large file this lane reads comes back as partitions to spread over the threads: always on
   * this thread; in a worker only when no other job waits, since while jobs wait every thread has work
   * already, and the worker would only send the partitions back (copied) to be searched by threads warm
   * for other kinds of history.
   */
  private spreadsFile(lane: Lane): boolean {
    return lane.worker === undefined || this.queue.length === 0;
  }

  private limitsFor(job: Job): BudgetLimits {
    const { cacheEntriesMax, memoryBytesMax, timeoutMs } = this.budget;
    if (job.kind === 'file' || timeoutMs === Infinity) return { cacheEntriesMax, memoryBytesMax, remainingMs: timeoutMs };
    job.file.started ??= performance.now();
    return { cacheEntriesMax, memoryBytesMax, remainingMs: Math.max(0, job.file.started + timeoutMs - performance.now()) };
  }

  private start(lane: Lane, job: Job): void {
    lane.jobs.push(job);
    if (job.kind === 'partition') job.file.started ??= performance.now();
    const limits = this.limitsFor(job);
    const id = this.nextTaskId++;
    const task: WorkerTask = job.kind === 'file'
      ? { kind: 'file', id, file: job.file, settings: job.settings, partitionsOpsMin: this.spreadsFile(lane) ? spreadOpsMin : Infinity, ...limits }
      : { kind: 'partition', id, spec: job.file.spec, partition: job.file.partitions[job.position] as Operation[], position: job.position, cancel: job.file.cancel, ...limits };
    if (lane.worker !== undefined) {
      lane.worker.postMessage(task);
      return;
    }
    setImmediate(() => {
      this.jobStarted = performance.now();
      this.whileBusy();
      const poll = () => this.whileBusy();
      let answer: SearchOutcome | FileAnswer | Error;
      try {
        answer = task.kind === 'file' ? runFile(task, poll) : runPartition((job as { file: FileState }).file.model, task.partition, task, { flag: task.cancel, position: task.position }, poll);
      } catch (error) {
        answer = error instanceof Error ? error : new Error(String(error));
      }
      this.busyMs += performance.now() - this.jobStarted;
      this.complete(lane, answer);
    });
  }

  private onMessage(worker: Worker, message: { answer?: SearchOutcome | FileAnswer; error?: string }): void {
    const lane = this.lanes.find((candidate) => candidate.worker === worker);
    if (lane !== undefined) this.complete(lane, message.answer ?? new Error(message.error ?? 'the worker sent no answer'));
  }

  private complete(lane: Lane, answer: SearchOutcome | FileAnswer | Error): void {
    const job = lane.jobs.shift();
    if (job?.kind === 'file') job.done(answer as FileAnswer | Error);
    if (job?.kind === 'partition') this.settle(job.file, job.position, answer as SearchOutcome | Error);
    this.dispatch();
  }

  // A worker that dies (out of memory, say) fails its job; a fresh one takes its place.
  private onWorkerError(worker: Worker, error: Error): void {
    const lane = this.lanes.find((candidate) => candidate.worker === worker);
    if (lane === undefined) return;
    lane.worker = this.startWorker();
    const lost = lane.jobs.length;
    for (let job = 0; job < lost; job += 1) this.complete(lane, error);
  }

  /** Records one partition's outcome (undefined: skipped after a violation) and ends the file when all are in. */
  private settle(file: FileState, position: number, outcome: SearchOutcome | Error | undefined): void {
    file.settled += 1;
    if (outcome instanceof Error) {
      file.illegalAt = -1;
      file.done(outcome);
      return;
    }
    // An outcome after the first illegal partition is thrown away, cancelled or not: the verdict and
    // witness are then the ones a search of the partitions in order gives, whatever ran beside what.
    if (outcome !== undefined && position < file.illegalAt) file.outcomes.set(position, outcome);
    if (outcome?.verdict === 'illegal' && position < file.illegalAt) {
      file.illegalAt = position;
      lowerIllegalAt(file.cancel, position);
      for (const later of [...file.outcomes.keys()].filter((key) => key > position)) file.outcomes.delete(later);
    }
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
