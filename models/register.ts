// The register model (read, write, compare-and-set on one value) with the read meanings of each
// tool: a value, "absent" (only in the nil state) or "unknown" (always legal). Try it:
// `npx faultline check models/fixtures/register-ok.log`.
import type { Call, HistoryFormat } from './calls.js';
import { HistoryError } from './errors.js';
import { hashNumber, hashString } from './model.js';
import { illegalStep, stepFromNext } from './model.js';
import type { Decoded, IllegalStep, Model, Operation } from './model.js';

/** A register value; null is nil. Other JSON values are compared by their JSON text. */
export type RegisterValue = number | string | boolean | null;

export type RegisterInput =
  | { f: 'read' }
  | { f: 'write'; value: RegisterValue }
  | { f: 'cas'; expected: RegisterValue; value: RegisterValue };

export type RegisterOutput =
  | { kind: 'value'; value: RegisterValue }
  | { kind: 'absent' }
  | { kind: 'unknown' }
  | { kind: 'done' }
  | { kind: 'swapped' }
  | { kind: 'not-swapped' };

export interface RegisterConstraints {
  /** The value before any write: nil (null) or 0, say. */
  initial?: RegisterValue;
  name?: 'register' | 'cas-register';
}

const unknownOutput: RegisterOutput = { kind: 'unknown' };
const doneOutput: RegisterOutput = { kind: 'done' };

// Values that are not primitives (a vector read from EDN, say) compare by their JSON text.
export function registerValue(value: unknown): RegisterValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return `\u0001${JSON.stringify(value)}`;
}

function showValue(value: RegisterValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'string' && value.startsWith('\u0001')) return value.slice(1);
  return JSON.stringify(value);
}

function next(state: RegisterValue, input: RegisterInput, output: RegisterOutput): RegisterValue | IllegalStep {
  switch (input.f) {
    case 'read':
      if (output.kind === 'value') return output.value === state ? state : illegalStep;
      if (output.kind === 'absent') return state === null ? state : illegalStep;
      return state;
    case 'write':
      return input.value;
    case 'cas': {
      const matches = input.expected === state;
      if (output.kind === 'swapped') return matches ? input.value : illegalStep;
      if (output.kind === 'not-swapped') return matches ? illegalStep : state;
      return matches ? input.value : state;
    }
  }
}

const step = stepFromNext(next);

/**
 * A timed-out write of a value that no read returned and no cas expected can be left out: where it
 * took effect, the ops after it until the next write saw a value that none of them could accept
 * (a read of it, a cas expecting it), so leaving it out changes no legal order. That holds only when
 * every cas completed and swapped: a failed or timed-out cas is legal in a state it did not expect,
 * so the value before the write could change its meaning.
 */
function prune(operations: readonly Operation<RegisterInput, RegisterOutput>[]): Operation<RegisterInput, RegisterOutput>[] {
  const observed = new Set<RegisterValue>();
  for (const { input, output } of operations) {
    if (input.f === 'cas' && output.kind !== 'swapped') return operations.slice();
    if (input.f === 'cas') observed.add(input.expected);
    if (output.kind === 'value') observed.add(output.value);
    if (output.kind === 'absent') observed.add(null);
  }
  return operations.filter((operation) => !(operation.input.f === 'write' && operation.return === Infinity && !observed.has(operation.input.value)));
}

function readOutput(call: Call, dialect: HistoryFormat): RegisterOutput | undefined {
  if (call.completion !== 'ok') return undefined;
  if (call.value === null || call.value === undefined) {
    // Knossos accepts a nil read in any state; Porcupine's logs and faultline mean "absent".
    return dialect === 'edn' ? undefined : { kind: 'absent' };
  }
  return { kind: 'value', value: registerValue(call.value) };
}

function casArguments(call: Call): [RegisterValue, RegisterValue] {
  const pair = call.invoke;
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new HistoryError(call.line, `a cas takes [expected new], got ${JSON.stringify(pair)}`);
  }
  return [registerValue(pair[0]), registerValue(pair[1])];
}

function decode(call: Call, dialect: HistoryFormat): Decoded<RegisterInput, RegisterOutput> | undefined {
  const unfinished = call.completion === 'info' || call.completion === 'open';
  switch (call.f) {
    case 'read': {
      const output = readOutput(call, dialect);
      return output === undefined ? undefined : { input: { f: 'read' }, output };
    }
    case 'write': {
      if (call.completion === 'fail') return undefined;
      return { input: { f: 'write', value: registerValue(call.invoke) }, output: unfinished ? unknownOutput : doneOutput };
    }
    case 'cas': {
      const [expected, value] = casArguments(call);
      const input: RegisterInput = { f: 'cas', expected, value };
      if (unfinished) return { input, output: unknownOutput };
      if (call.completion === 'ok') return { input, output: { kind: 'swapped' } };
      // Porcupine reads a failed cas as one that ran and found another value; Jepsen, as one that never ran.
      return dialect === 'porcupine-etcd' ? { input, output: { kind: 'not-swapped' } } : undefined;
    }
    default:
      throw new HistoryError(call.line, `the register has no '${call.f}' (it has read, write and cas)`);
  }
}

function describeOperation(input: RegisterInput, output: RegisterOutput): string {
  switch (input.f) {
    case 'read':
      if (output.kind === 'value') return `read() → ${showValue(output.value)}`;
      return output.kind === 'absent' ? 'read() → absent' : 'read() → ?';
    case 'write':
      return `write(${showValue(input.value)})${output.kind === 'unknown' ? ' → ?' : ''}`;
    case 'cas': {
      const result = output.kind === 'swapped' ? 'ok' : output.kind === 'not-swapped' ? 'failed' : '?';
      return `cas(${showValue(input.expected)}, ${showValue(input.value)}) → ${result}`;
    }
  }
}

export function registerModel(constraints: RegisterConstraints = {}): Model<RegisterValue, RegisterInput, RegisterOutput> {
  const initial = registerValue(constraints.initial ?? null);
  return {
    name: constraints.name ?? 'register',
    init: () => initial,
    step,
    next,
    prune,
    equal: (a, b) => a === b,
    hash: (state) => (typeof state === 'number' ? hashNumber(state) : hashString(String(state))),
    readOnly: (input, output) => input.f === 'read' || (input.f === 'cas' && output.kind === 'not-swapped'),
    describeOperation,
    describeState: showValue,
    decode,
  };
}
