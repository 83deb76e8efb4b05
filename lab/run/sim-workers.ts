// Simulated trials spread over worker threads, one seed at a time each: `explore --mode sim
// --workers N`. A run's trace depends on its seed alone, so 1 worker or N give the same traces.
// Try it: `const workers = new SimWorkers(2); await workers.run(task); await workers.close()`.
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Bug, Plan, RunSeeds, Strategy } from '../plan/index.js';
import type { RunLimits } from './run-result.js';
import type { Trial } from './session.js';
import type { DeterminismCheck } from './sim-run.js';

export interface SimTask {
  id: number;
  plan: Plan;
  seeds: RunSeeds;
  strategy: Strategy;
  bug: Bug | undefined;
  limits: Partial<RunLimits>;
  artifactsRoot: string | null;
  shrink: boolean;
  keepPassing: boolean;
  checkDeterminism: boolean;
}

export interface SimTaskOutcome {
  id: number;
  trial: Trial;
  /** sha256 of the run's trace.jsonl: the same for a seed on any worker, or on none. */
  traceDigest: string;
  determinism?: DeterminismCheck;
}

export function traceDigest(trace: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of trace) hash.update(line).update('\n');
  return hash.digest('hex');
}

/** Workers by default: one per core. */
export function defaultSimWorkers(): number {
  return availableParallelism();
}

export class SimWorkerError extends Error {
  readonly code = 'sim-worker';
}

interface Waiting {
  resolve: (outcome: SimTaskOutcome) => void;
  reject: (error: Error) => void;
}

/** Compiled, the worker's own .js; from the sources, an .mjs that loads them through tsx first. */
function workerEntry(): URL {
  return new URL(import.meta.url.endsWith('.js') ? './sim-worker.js' : './sim-worker.mjs', import.meta.url);
}

export class SimWorkers {
  private readonly idle: Worker[] = [];
  private readonly queue: { task: SimTask; waiting: Waiting }[] = [];
  private readonly busy = new Map<Worker, Waiting>();
  private readonly all: Worker[] = [];

  constructor(count: number) {
    for (let index = 0; index < count; index += 1) {
      const worker = new Worker(workerEntry());
      worker.on('message', (message: SimTaskOutcome | { id: number; error: string }) => this.answered(worker, message));
      worker.on('error', (error) => this.busy.get(worker)?.reject(error));
      this.all.push(worker);
      this.idle.push(worker);
    }
  }

  run(task: SimTask): Promise<SimTaskOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task, waiting: { resolve, reject } });
      this.next();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }

  private next(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const { task, waiting } = this.queue.shift() as { task: SimTask; waiting: Waiting };
      this.busy.set(worker, waiting);
      worker.postMessage(task);
    }
  }

  private answered(worker: Worker, message: SimTaskOutcome | { id: number; error: string }): void {
    const waiting = this.busy.get(worker);
    this.busy.delete(worker);
    this.idle.push(worker);
    if (waiting !== undefined) {
      if ('error' in message) waiting.reject(new SimWorkerError(`simulated run ${message.id} failed in its worker: ${message.error}`));
      else waiting.resolve(message);
    }
    this.next();
  }
}
