// The worker thread of `faultline check`: searches one partition at a time, as the main thread
// asks, and posts the outcome back. Started by check-pool.ts; not meant to be run by hand.
import { parentPort } from 'node:worker_threads';
import { searchPartition } from '../../models/index.js';
import type { AnyModel, Operation } from '../../models/index.js';
import { modelFromSpec } from './check-model.js';
import type { ModelSpec } from './check-model.js';

export interface PartitionTask {
  id: number;
  spec: ModelSpec;
  partition: Operation[];
  cacheEntriesMax: number;
  memoryBytesMax: number;
  /** Milliseconds left of the file's time budget when the task was sent; Infinity for none. */
  remainingMs: number;
}

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

parentPort?.on('message', (task: PartitionTask) => {
  try {
    const deadline = task.remainingMs === Infinity ? Infinity : performance.now() + task.remainingMs;
    const constraints = { cacheEntriesMax: task.cacheEntriesMax, memoryBytesMax: task.memoryBytesMax, now: () => performance.now() };
    const outcome = searchPartition(modelOf(task.spec), task.partition, constraints, deadline);
    parentPort?.postMessage({ id: task.id, outcome });
  } catch (error) {
    parentPort?.postMessage({ id: task.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
