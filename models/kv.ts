// The kv model: get, put and append on string values per key, partitioned per key (Porcupine's kv
// model). Values are `{key, value}` in faultline's JSONL; Porcupine's kv logs are read into that shape.
// Try it: `npx faultline check models/fixtures/kv-ok.txt`.
import type { Call } from './calls.js';
import { HistoryError } from './errors.js';
import { illegalStep, partitionBy, stepFromNext } from './model.js';
import type { Decoded, IllegalStep, Model } from './model.js';

/**
 * The keys written so far and their values (a key not there holds the initial value), as a persistent
 * list, newest-written key first, each key once. The checker searches one key at a time (the model
 * partitions by key), so a write there makes one small object: no arrays copied, little for the GC.
 * Each entry keeps its value's hash, and the head the hash of the whole state, so the checker's cache
 * never hashes or compares long strings. The initial state is an entry with no key.
 */
export interface KvState {
  /** undefined only in the initial state, which holds no key. */
  readonly key: string | undefined;
  readonly value: string;
  /** The polynomial hash of the value. */
  readonly valueHash: number;
  /** The other keys written, or undefined. */
  readonly rest: KvState | undefined;
  /** XOR over written keys of pairHash(key, value) ^ pairHash(key, initial): unwritten and initial agree. */
  readonly hash: number;
}

export interface KvInput {
  f: 'get' | 'put' | 'append';
  key: string;
  value: string;
  /** Hashes decode computes once per op (the key's, the value's, and the base to the value's length); computed when absent. */
  keyHash?: number;
  valueHash?: number;
  valueScale?: number;
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
/** The polynomial hash of "". */
const emptyHash = 0;

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
  const keyHash = polynomialHash(key).hash;
  if (f !== 'get') {
    const value = stringField(call, invoke, 'value', call.line);
    const { hash, scale } = polynomialHash(value);
    return { input: { f, key, value, keyHash, valueHash: hash, valueScale: scale }, output: noOutput };
  }
  if (call.completion !== 'ok') return undefined;
  const line = call.completionLine ?? call.line;
  const returned = recordOf(call, call.value, line).value;
  if (returned === null || returned === undefined) return undefined;
  if (typeof returned !== 'string') throw new HistoryError(line, `get: value must be a string, got ${JSON.stringify(returned)}`);
  return { input: { f, key, value: '', keyHash, valueHash: emptyHash, valueScale: 1 }, output: { value: returned, hash: polynomialHash(returned).hash } };
}

export function kvModel(constraints: KvConstraints = {}): Model<KvState, KvInput, KvOutput> {
  const initial = constraints.initial ?? '';
  const initialHash = polynomialHash(initial).hash;
  const empty: KvState = { key: undefined, value: initial, valueHash: initialHash, rest: undefined, hash: 0 };
  // Ops that decode did not make (a caller's own inputs) have their strings hashed once, here.
  const hashCache = new Map<string, { hash: number; scale: number }>();
  const hashOf = (text: string) => {
    let known = hashCache.get(text);
    if (known === undefined) {
      known = polynomialHash(text);
      hashCache.set(text, known);
    }
    return known;
  };
  const contribution = (keyHash: number, valueHash: number) => pairHash(keyHash, valueHash) ^ pairHash(keyHash, initialHash);

  function find(state: KvState, key: string): KvState | undefined {
    for (let entry: KvState | undefined = state; entry !== undefined; entry = entry.rest) if (entry.key === key) return entry;
    return undefined;
  }

  /** The list without the entry of `key`, copying only the entries before it (several keys only). */
  function without(list: KvState | undefined, key: string): KvState | undefined {
    if (list === undefined) return undefined;
    if (list.key === key) return list.rest;
    const rest = without(list.rest, key);
    const entryKey = list.key as string;
    return { key: entryKey, value: list.value, valueHash: list.valueHash, rest, hash: (rest?.hash ?? 0) ^ contribution(hashOf(entryKey).hash, list.valueHash) };
  }

  function write(state: KvState, input: KvInput): KvState {
    const { key } = input;
    const found = find(state, key);
    const beforeHash = found === undefined ? initialHash : found.valueHash;
    const valueHash = input.valueHash ?? hashOf(input.value).hash;
    const put = input.f === 'put';
    const afterHash = put ? valueHash : (Math.imul(beforeHash, input.valueScale ?? hashOf(input.value).scale) + valueHash) | 0;
    const value = put ? input.value : (found === undefined ? initial : found.value) + input.value;
    const list = state.key === undefined ? undefined : state;
    const rest = found === undefined ? list : found === state ? state.rest : without(list, key);
    const keyHash = input.keyHash ?? hashOf(key).hash;
    return { key, value, valueHash: afterHash, rest, hash: (rest?.hash ?? 0) ^ contribution(keyHash, afterHash) };
  }

  // A get matches when its value equals the key's; the hashes rule most states out cheaply.
  function read(state: KvState, key: string, output: KvOutput): boolean {
    const found = find(state, key);
    const valueHash = found === undefined ? initialHash : found.valueHash;
    if (output.hash !== undefined && output.hash !== valueHash) return false;
    return output.value === (found === undefined ? initial : found.value);
  }

  function equal(a: KvState, b: KvState): boolean {
    if (a === b) return true;
    if (a.hash !== b.hash) return false;
    for (let entry: KvState | undefined = a; entry !== undefined && entry.key !== undefined; entry = entry.rest) {
      if (entry.value !== (find(b, entry.key)?.value ?? initial)) return false;
    }
    for (let entry: KvState | undefined = b; entry !== undefined && entry.key !== undefined; entry = entry.rest) {
      if (find(a, entry.key) === undefined && entry.value !== initial) return false;
    }
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
      const pairs: { key: string; value: string }[] = [];
      for (let entry: KvState | undefined = state; entry !== undefined && entry.key !== undefined; entry = entry.rest) pairs.push({ key: entry.key, value: entry.value });
      pairs.sort((a, b) => (a.key < b.key ? -1 : 1));
      return pairs.length === 0 ? `every key ${JSON.stringify(initial)}` : pairs.map(({ key, value }) => `${key}=${JSON.stringify(value)}`).join(' ');
    },
    decode,
  };
}
