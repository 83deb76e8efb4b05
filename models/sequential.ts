// Sequential consistency (Lamport 1979): is there one total order of the operations, legal under the
// model, that keeps each process's own order? It is linearizability without the real-time edges
// between processes. Not compositional, so the whole history is searched at once: a depth-first
// search over each process's position and the model's state, with the (positions, state) pairs seen
// pruned and read-only ops taken as soon as they are legal. Try it: `npx vitest run models/sequential.test.ts`.
import { pairCalls } from './calls.js';
import type { History } from './history.js';
import { illegalStep } from './model.js';
import type { AnyModel, Operation, Verdict } from './model.js';
import { toOperations } from './calls.js';

/** Search nodes visited at most before the verdict is unknown. */
export const sequentialStepsMaxDefault = 2_000_000;
/** (positions, state) pairs remembered at most; beyond it the verdict is unknown. */
export const sequentialSeenMaxDefault = 1_000_000;

export interface SequentialLimits {
  stepsMax?: number;
  seenMax?: number;
}

export interface SequentialResult {
  verdict: Verdict;
  /** Ops placed in the longest legal prefix found (all of them when ok). */
  deepest: number;
  steps: number;
  reason?: string;
}

interface Node {
  positions: number[];
  state: unknown;
  placed: number;
  /** The processes whose next op this node still has to try. */
  candidates: number[];
}

function nextState(model: AnyModel, state: unknown, operation: Operation): unknown {
  if (model.next !== undefined) return model.next(state, operation.input, operation.output);
  const result = model.step(state, operation.input, operation.output);
  return result.ok ? result.state : illegalStep;
}

/** Each process's ops in the order it issued them. */
function processQueues(operations: readonly Operation[]): Operation[][] {
  const byProcess = new Map<number, Operation[]>();
  for (const operation of [...operations].sort((a, b) => a.call - b.call)) {
    const queue = byProcess.get(operation.process);
    if (queue === undefined) byProcess.set(operation.process, [operation]);
    else queue.push(operation);
  }
  return [...byProcess.values()];
}

/** Sequential consistency of the operations (as toOperations makes them) under the model. */
export function checkSequentialOperations(model: AnyModel, operations: readonly Operation[], limits: SequentialLimits = {}): SequentialResult {
  const queues = processQueues(operations);
  const stepsMax = limits.stepsMax ?? sequentialStepsMaxDefault;
  const seenMax = limits.seenMax ?? sequentialSeenMaxDefault;
  const required = operations.filter((operation) => operation.return !== Infinity).length;
  const seen = new Set<string>();
  const readOnly = (operation: Operation): boolean => model.readOnly?.(operation.input, operation.output) === true;
  let steps = 0;
  let deepest = 0;

  /** Takes every legal read-only next op at once (it changes no state and only frees its process), then lists the choices. */
  function settle(positions: number[], state: unknown, placedBefore: number): Node {
    let placed = placedBefore;
    for (let moved = true; moved;) {
      moved = false;
      for (const [process, queue] of queues.entries()) {
        const operation = queue[positions[process] as number];
        if (operation === undefined || !readOnly(operation) || nextState(model, state, operation) === illegalStep) continue;
        positions[process] = (positions[process] as number) + 1;
        if (operation.return !== Infinity) placed += 1;
        moved = true;
      }
    }
    const candidates = queues.flatMap((queue, process) => (queue[positions[process] as number] === undefined ? [] : [process]));
    return { positions, state, placed, candidates };
  }

  const stack: Node[] = [settle(queues.map(() => 0), model.init(), 0)];
  while (stack.length > 0) {
    const node = stack[stack.length - 1] as Node;
    deepest = Math.max(deepest, node.placed);
    // Done once every completed op is placed: the unfinished ones left may never have taken effect.
    if (node.placed === required) return { verdict: 'ok', deepest, steps };
    const process = node.candidates.pop();
    if (process === undefined) {
      stack.pop();
      continue;
    }
    steps += 1;
    if (steps > stepsMax) return { verdict: 'unknown', deepest, steps, reason: `the search took more than ${stepsMax} steps` };
    const position = node.positions[process] as number;
    const operation = (queues[process] as Operation[])[position] as Operation;
    const after = nextState(model, node.state, operation);
    if (after === illegalStep) continue;
    const positions = [...node.positions];
    positions[process] = position + 1;
    const child = settle(positions, after, node.placed + (operation.return === Infinity ? 0 : 1));
    const key = `${child.positions.join(',')}|${JSON.stringify(child.state)}`;
    if (seen.has(key)) continue;
    if (seen.size >= seenMax) return { verdict: 'unknown', deepest, steps, reason: `the search remembered more than ${seenMax} states` };
    seen.add(key);
    stack.push(child);
  }
  return { verdict: 'illegal', deepest, steps, reason: `no order keeps every process's own order: at most ${deepest} of ${required} completed ops could be placed` };
}

/** Sequential consistency of a faultline (JSONL) history under the model. */
export function checkSequential(model: AnyModel, history: History, limits: SequentialLimits = {}): SequentialResult {
  return checkSequentialOperations(model, toOperations(model, pairCalls(history), 'jsonl'), limits);
}
