// The reference the checker is tested against: linearizability by its definition, with no cache and no
// partitions. It tries every subset of the unfinished operations and every order of the chosen ones
// that respects real time. Exponential: for histories of about 8 operations, in tests only.
import type { AnyModel, Operation } from './model.js';

export const bruteForceOperationsMax = 10;

function orderExists(model: AnyModel, remaining: readonly Operation[], state: unknown): boolean {
  if (remaining.length === 0) return true;
  for (const [position, candidate] of remaining.entries()) {
    // `candidate` may come next only if no other remaining operation returned before it was invoked.
    const preceded = remaining.some((other) => other !== candidate && other.return < candidate.call);
    if (preceded) continue;
    const result = model.step(state, candidate.input, candidate.output);
    if (!result.ok) continue;
    const rest = remaining.filter((_, index) => index !== position);
    if (orderExists(model, rest, result.state)) return true;
  }
  return false;
}

/** True when some subset of the unfinished operations, with all finished ones, has a legal order. */
export function bruteForceLinearizable(model: AnyModel, operations: readonly Operation[]): boolean {
  if (operations.length > bruteForceOperationsMax) throw new Error(`brute force takes at most ${bruteForceOperationsMax} operations, got ${operations.length}`);
  const finished = operations.filter((operation) => operation.return !== Infinity);
  const unfinished = operations.filter((operation) => operation.return === Infinity);
  for (let mask = 0; mask < 1 << unfinished.length; mask += 1) {
    const chosen = unfinished.filter((_, index) => (mask & (1 << index)) !== 0);
    if (orderExists(model, [...finished, ...chosen], model.init())) return true;
  }
  return false;
}

function sequentialOrderExists(model: AnyModel, queues: readonly (readonly Operation[])[], state: unknown): boolean {
  if (queues.every((queue) => queue.length === 0)) return true;
  for (const [process, queue] of queues.entries()) {
    const [candidate, ...rest] = queue;
    if (candidate === undefined) continue;
    const result = model.step(state, candidate.input, candidate.output);
    if (!result.ok) continue;
    if (sequentialOrderExists(model, queues.map((other, index) => (index === process ? rest : other)), result.state)) return true;
  }
  return false;
}

/**
 * Sequential consistency by its definition: some subset of the unfinished operations, with all finished
 * ones, has a legal order that keeps each process's order (real time between processes does not count).
 */
export function bruteForceSequential(model: AnyModel, operations: readonly Operation[]): boolean {
  if (operations.length > bruteForceOperationsMax) throw new Error(`brute force takes at most ${bruteForceOperationsMax} operations, got ${operations.length}`);
  const unfinished = operations.filter((operation) => operation.return === Infinity);
  for (let mask = 0; mask < 1 << unfinished.length; mask += 1) {
    const chosen = new Set(unfinished.filter((_, index) => (mask & (1 << index)) !== 0));
    const kept = operations.filter((operation) => operation.return !== Infinity || chosen.has(operation)).sort((a, b) => a.call - b.call);
    const processes = [...new Set(kept.map((operation) => operation.process))];
    const queues = processes.map((process) => kept.filter((operation) => operation.process === process));
    if (sequentialOrderExists(model, queues, model.init())) return true;
  }
  return false;
}
