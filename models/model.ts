// The model type (Porcupine's shape): a plain object of pure functions, plus the verdicts that
// every checker returns. Try it: `npx vitest run models/checker.test.ts`.
import type { Call, HistoryFormat } from './history.js';

export type Verdict = 'ok' | 'illegal' | 'unknown';

/** What a model's `next` returns for an op that is not legal in the state. */
export const illegalStep: unique symbol = Symbol('illegal step');
export type IllegalStep = typeof illegalStep;

export interface StepResult<State> {
  ok: boolean;
  state: State;
}

/** One operation of a history, as a model sees it: input, output and its real-time interval. */
export interface Operation<Input = unknown, Output = unknown> {
  /** Dense position in the operation list handed to the checker. */
  id: number;
  process: number;
  input: Input;
  output: Output;
  /** Order of the invoke among the history's events. */
  call: number;
  /** Order of the completion; Infinity when the operation may take effect at any later time. */
  return: number;
  /** The invoke's `index` in the history, for reports. */
  index: number;
}

export interface Decoded<Input, Output> {
  input: Input;
  output: Output;
}

/**
 * A plain object of pure functions, each called without `this`. `step` returns whether `output` is a
 * legal answer to `input` in `state`, and the state after it; it never mutates. An operation whose outcome is unknown (info, or no completion) must be legal in every
 * state, so that the checker may leave it out: it then takes effect after everything else, or never.
 */
export interface Model<State, Input, Output> {
  readonly name: string;
  init(): State;
  step(state: State, input: Input, output: Output): StepResult<State>;
  /**
   * The same answer as `step` without a result object: the state after the op, or illegalStep. The
   * search calls it millions of times, so a model that can should give it (stepFromNext derives step).
   */
  next?(state: State, input: Input, output: Output): State | IllegalStep;
  /**
   * Leaves out ops that cannot change the verdict of this partition (a timed-out write of a value that
   * nothing ever read, say); the search then never branches on them. Must keep every completed op.
   */
  prune?(operations: readonly Operation<Input, Output>[]): Operation<Input, Output>[];
  equal?(a: State, b: State): boolean;
  hash?(state: State): number;
  partition?(operations: readonly Operation<Input, Output>[]): Operation<Input, Output>[][];
  /**
   * True when this op never changes the state in any state where it is legal (a read, a refused
   * withdraw). The search then takes it as soon as it is legal and tries nothing else in its place.
   */
  readOnly?(input: Input, output: Output): boolean;
  describeOperation?(input: Input, output: Output): string;
  describeState?(state: State): string;
  /**
   * Turns one paired call into this model's input and output, with the meanings of the tool that
   * wrote the history (`dialect`); undefined drops a call that cannot constrain anything (a `fail`, or
   * a read whose answer is unknown). Throws HistoryError on values the model cannot read.
   */
  decode(call: Call, dialect: HistoryFormat): Decoded<Input, Output> | undefined;
}

// The erased form the checker and the command line pass around.
export type AnyModel = Model<any, any, any>;

/** `step` from `next`, for models that write only the fast form. */
export function stepFromNext<State, Input, Output>(next: (state: State, input: Input, output: Output) => State | IllegalStep) {
  return (state: State, input: Input, output: Output): StepResult<State> => {
    const after = next(state, input, output);
    return after === illegalStep ? { ok: false, state } : { ok: true, state: after };
  };
}

export function shallowEqual(a: unknown, b: unknown): boolean {
  return a === b;
}

export function noPartition<Input, Output>(operations: readonly Operation<Input, Output>[]): Operation<Input, Output>[][] {
  return [operations.slice()];
}

/** Groups operations by a key, keeping history order inside each group. */
export function partitionBy<Input, Output>(
  operations: readonly Operation<Input, Output>[],
  keyOf: (operation: Operation<Input, Output>) => string,
): Operation<Input, Output>[][] {
  const groups = new Map<string, Operation<Input, Output>[]>();
  for (const operation of operations) {
    const key = keyOf(operation);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [operation]);
    else group.push(operation);
  }
  return [...groups.values()];
}

const verdictRank: Record<Verdict, number> = { ok: 0, unknown: 1, illegal: 2 };

/** Illegal beats unknown, and unknown beats ok; no verdicts at all is ok. */
export function combineVerdicts(items: readonly (Verdict | { verdict: Verdict })[]): Verdict {
  let combined: Verdict = 'ok';
  for (const item of items) {
    const verdict = typeof item === 'string' ? item : item.verdict;
    if (verdictRank[verdict] > verdictRank[combined]) combined = verdict;
  }
  return combined;
}

/** A 32-bit string hash (FNV-1a), for model state hashes. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let position = 0; position < text.length; position += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(position), 0x01000193);
  }
  return hash >>> 0;
}

export function hashNumber(value: number, seed = 0x811c9dc5): number {
  const mixed = Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? value | 0 : hashString(String(value));
  return Math.imul(seed ^ mixed, 0x01000193) >>> 0;
}
