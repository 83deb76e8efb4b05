// The kv model: get, put and append on string values per key, partitioned per key (Porcupine's kv
// model). Values are `{key, value}` in faultline's JSONL; Porcupine's kv logs are read into that shape.
// Try it: `npx faultline check models/fixtures/kv-ok.txt`.
import type { Call } from './calls.js';
import { HistoryError } from './errors.js';
import { illegalStep, partitionBy, stepFromNext } from './model.js';
import type { Decoded, IllegalStep, Model } from './model.js';

/**
 * The keys written so far and their values (a key not there holds the initial value), with a hash kept
 * up to date on every write, so that the checker's cache never hashes or compares long strings. Small
 * parallel arrays, because a partition holds one key.
 */
export interface KvState {
  readonly keys: readonly string[];
  readonly values: readonly string[];
  /** The polynomial hash of each value. */
  readonly valueHashes: readonly number[];
  /** XOR over written keys of pairHash(key, value) ^ pairHash(key, initial): unwritten and initial agree. */
  readonly hash: number;
}

export interface KvInput {
  f: 'get' | 'put' | 'append';
  key: string;
  value: string;
}

/** What a get returned; undefined for put and append, and for an unknown outcome. */
export interface KvOutput {
  value: string | undefined;
  /** The value's polynomial hash, compared before the (long) strings are. */
  hash?: number;
}

export interface KvConstraints {
  /** What every key holds before its first write; Porcupine's kv model starts at "". */
  initial?: string;
}

const noOutput: KvOutput = { value: undefined };
const kvFunctions: ReadonlySet<string> = new Set(['get', 'put', 'append']);

const hashBase = 0x01000193;

/** A polynomial string hash, and the base raised to the string's length, to extend hashes of appends. */
function polynomialHash(text: string): { hash: number; scale: number } {
  let hash = 0;
  let scale = 1;
  for (let position = 0; position < text.length; position += 1) {
    hash = (Math.imul(hash, hashBase) + text.charCodeAt(position)) | 0;
    scale = Math.imul(scale, hashBase);
  }
  return { hash, scale };
}

function pairHash(keyHash: number, valueHash: number): number {
  const mixed = Math.imul(keyHash ^ 0x5bd1e995, 0x9e3779b1) ^ valueHash;
  return Math.imul(mixed ^ (mixed >>> 15), 0x85ebca6b) | 0;
}

function stringField(call: Call, record: Record<string, unknown>, name: string, line: number): string {
  const value = record[name];
  if (typeof value !== 'string') throw new HistoryError(line, `${call.f}: ${name} must be a string, got ${JSON.stringify(value ?? null)}`);
  return value;
}

function recordOf(call: Call, value: unknown, line: number): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HistoryError(line, `${call.f}: the value must be {"key": ..., "value": ...}, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

function decode(call: Call): Decoded<KvInput, KvOutput> | undefined {
  if (!kvFunctions.has(call.f)) throw new HistoryError(call.line, `kv has no '${call.f}' (it has get, put and append)`);
  const f = call.f as KvInput['f'];
  const invoke = recordOf(call, call.invoke, call.line);
  const key = stringField(call, invoke, 'key', call.line);
  if (call.completion === 'fail') return undefined;
  if (f !== 'get') return { input: { f, key, value: stringField(call, invoke, 'value', call.line) }, output: noOutput };
  if (call.completion !== 'ok') return undefined;
  const line = call.completionLine ?? call.line;
  const returned = recordOf(call, call.value, line).value;
  if (returned === null || returned === undefined) return undefined;
  if (typeof returned !== 'string') throw new HistoryError(line, `get: value must be a string, got ${JSON.stringify(returned)}`);
  return { input: { f, key, value: '' }, output: { value: returned, hash: polynomialHash(returned).hash } };
}

export function kvModel(constraints: KvConstraints = {}): Model<KvState, KvInput, KvOutput> {
  const initial = constraints.initial ?? '';
  const initialHash = polynomialHash(initial).hash;
  const empty: KvState = Object.freeze({ keys: [], values: [], valueHashes: [], hash: 0 });
  const current = (state: KvState, key: string) => {
    const slot = state.keys.indexOf(key);
    return slot === -1 ? initial : (state.values[slot] as string);
  };
  // Each op's value is hashed once, not at every step the search takes with it (V8 keeps a string's
  // own hash, so the lookup does not walk the string).
  const hashCache = new Map<string, { hash: number; scale: number }>();
  const hashOf = (text: string) => {
    let known = hashCache.get(text);
    if (known === undefined) {
      known = polynomialHash(text);
      hashCache.set(text, known);
    }
    return known;
  };
  const contribution = (key: string, valueHash: number) => pairHash(hashOf(key).hash, valueHash) ^ pairHash(hashOf(key).hash, initialHash);

  function write(state: KvState, input: KvInput): KvState {
    const slot = state.keys.indexOf(input.key);
    const before = slot === -1 ? initial : (state.values[slot] as string);
    const beforeHash = slot === -1 ? initialHash : (state.valueHashes[slot] as number);
    const appended = hashOf(input.value);
    const put = input.f === 'put';
    const afterHash = put ? appended.hash : (Math.imul(beforeHash, appended.scale) + appended.hash) | 0;
    const keys = slot === -1 ? [...state.keys, input.key] : state.keys;
    const values = state.values.slice();
    const valueHashes = state.valueHashes.slice();
    const at = slot === -1 ? keys.length - 1 : slot;
    values[at] = put ? input.value : before + input.value;
    valueHashes[at] = afterHash;
    return { keys, values, valueHashes, hash: state.hash ^ contribution(input.key, beforeHash) ^ contribution(input.key, afterHash) };
  }

  // A get matches when its value equals the key's; the hashes rule most states out cheaply.
  function read(state: KvState, key: string, output: KvOutput): boolean {
    const slot = state.keys.indexOf(key);
    const valueHash = slot === -1 ? initialHash : (state.valueHashes[slot] as number);
    if (output.hash !== undefined && output.hash !== valueHash) return false;
    return output.value === (slot === -1 ? initial : state.values[slot]);
  }

  function equal(a: KvState, b: KvState): boolean {
    if (a === b) return true;
    if (a.hash !== b.hash) return false;
    for (const [slot, key] of a.keys.entries()) if (a.values[slot] !== current(b, key)) return false;
    for (const [slot, key] of b.keys.entries()) if (!a.keys.includes(key) && b.values[slot] !== initial) return false;
    return true;
  }

  function next(state: KvState, input: KvInput, output: KvOutput): KvState | IllegalStep {
    if (input.f !== 'get') return write(state, input);
    return output.value === undefined || read(state, input.key, output) ? state : illegalStep;
  }
  const step = stepFromNext(next);

  return {
    name: 'kv',
    init: () => empty,
    step,
    next,
    equal,
    hash: (state) => state.hash,
    partition: (operations) => partitionBy(operations, (operation) => operation.input.key),
    readOnly: (input) => input.f === 'get',
    describeOperation(input, output) {
      if (input.f === 'get') return `get(${JSON.stringify(input.key)}) → ${output.value === undefined ? '?' : JSON.stringify(output.value)}`;
      return `${input.f}(${JSON.stringify(input.key)}, ${JSON.stringify(input.value)})`;
    },
    describeState(state) {
      const pairs = state.keys.map((key, slot) => ({ key, value: state.values[slot] as string })).sort((a, b) => (a.key < b.key ? -1 : 1));
      return pairs.length === 0 ? `every key ${JSON.stringify(initial)}` : pairs.map(({ key, value }) => `${key}=${JSON.stringify(value)}`).join(' ');
    },
    decode,
  };
}
