// The search for one partition: Wing & Gong's algorithm with Lowe's improvements (an entry list with
// lift/unlift, and a cache of (linearized set as a bitset, state) that prunes what was seen). Pure: the
// caller hands in the budget. Try it: `npx vitest run models/checker.test.ts`.
import { illegalStep, shallowEqual } from './model.js';
import type { AnyModel, Operation } from './model.js';

/** Which budget ran out: time, the cache's estimated bytes, or its entry count (the lab's fixed cap). */
export type BudgetKind = 'timeout' | 'memory' | 'cache';

/** How far a search got before a budget ran out. */
export interface SearchProgress {
  cacheEntries: number;
  /** Estimated bytes of the cache when it stopped. */
  cacheBytes: number;
  steps: number;
  /** The longest legal prefix found, against the completed ops it had to cover. */
  deepest: number;
  completed: number;
}

export type SearchOutcome =
  | { verdict: 'ok'; order: number[]; cacheEntries: number }
  | { verdict: 'illegal'; longest: number[]; statesAfter: unknown[]; blocked: number; cacheEntries: number }
  | ({ verdict: 'unknown'; reason: BudgetKind } & SearchProgress);

export interface SearchLimits {
  /** Seen (bitset, state) pairs kept at most. */
  cacheEntriesMax: number;
  /** Estimated bytes the cache may take: its bitsets, tables and the states it holds. */
  memoryBytesMax: number;
}

const budgetCheckStepMask = 0x3ff;
/** One typed array holds every bitset; a single ArrayBuffer is capped at 4 GiB on Node 20. */
export const cachePoolBytesMax = 4 * 1024 * 1024 * 1024 - 1024;
/** What a state that is an object (a kv map, a bank) costs the heap, beyond its slot in the list. */
const objectStateBytes = 96;
/** A state slot in the list, and the two hash-table words per chain head (tables stay under half full). */
const stateSlotBytes = 8;
const tableSlotBytes = 8;
const hashKeyMask = 0x3fffffff;

/** Why the search left its loop: small integers, so that the loop's exit compares Smis. */
type SearchExit = 0 | 1 | 2 | 3 | 4 | 5;
/** Its steps for this turn are spent: the search goes on at the next turn. */
const stepsSpent = 0;
/** Every completed op is linearized: ok. */
const linearized = 1;
/** No choice is left to undo: illegal. */
const exhausted = 2;
const timedOut = 3;
const outOfMemory = 4;
const outOfCache = 5;

// A fixed mixing of each operation id into the bitset's hash; XOR makes it cheap to update both ways.
function mixId(id: number): number {
  let hash = Math.imul(id + 1, 0x9e3779b1);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) & hashKeyMask;
}

/**
 * Seen (bitset, state) pairs: bitsets packed in one word pool, chained per hash key, and an
 * open-addressing table from hash key to the newest entry of its chain.
 */
class SeenCache {
  private pool: Int32Array;
  private chain: Int32Array;
  /**
   * Starts as an array of any values: one that starts empty holds small integers (a register's states)
   * until the first other state, and that change of its elements' kind throws away the optimized search.
   */
  private readonly states: unknown[] = [undefined];
  /** Slot -> 1 + the newest entry with that key; 0 is an empty slot. */
  private heads = new Int32Array(1024);
  private keys = new Int32Array(1024);
  private headCount = 0;
  size = 0;
  /** Estimated bytes of the states that are objects. */
  private stateBytes = 0;

  constructor(private readonly words: number, private readonly equal: (a: unknown, b: unknown) => boolean, private readonly bytesMax: number) {
    this.pool = new Int32Array(words * 1024);
    this.chain = new Int32Array(1024);
    this.states.pop();
  }

  /** Estimated bytes held: the allocated pool and chain, the state list and the hash tables. */
  get bytes(): number {
    return this.bytesWith(this.chain.length, this.heads.length);
  }

  private bytesWith(capacity: number, tableSlots: number): number {
    return capacity * (this.words * 4 + 4) + this.size * stateSlotBytes + this.stateBytes + tableSlots * 2 * tableSlotBytes;
  }

  private slotOf(key: number): number {
    const mask = this.heads.length - 1;
    let slot = Math.imul(key, 0x9e3779b1) >>> 0 & mask;
    while (this.heads[slot] !== 0 && this.keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  /** Adds the pair unless it is there already: 1 added, 0 seen before, -1 no room left in the budget. */
  add(bits: Int32Array, key: number, state: unknown): number {
    const words = this.words;
    const slot = this.slotOf(key);
    const head = (this.heads[slot] as number) - 1;
    for (let entry = head; entry !== -1; entry = this.chain[entry] as number) {
      const base = entry * words;
      let same = true;
      for (let word = 0; word < words; word += 1) {
        if (this.pool[base + word] !== bits[word]) {
          same = false;
          break;
        }
      }
      if (same && this.equal(this.states[entry], state)) return 0;
    }
    if (this.size === this.chain.length && !this.grow()) return -1;
    if (typeof state === 'object' && state !== null) this.stateBytes += objectStateBytes;
    const entry = this.size;
    this.pool.set(bits, entry * words);
    this.chain[entry] = head;
    this.states.push(state);
    this.size += 1;
    if (head === -1) {
      this.keys[slot] = key;
      this.headCount += 1;
    }
    this.heads[slot] = entry + 1;
    if (this.headCount * 2 > this.heads.length) this.rehash();
    return 1;
  }

  /** Doubles the pool unless that would pass the budget; the check comes before the allocation. */
  private grow(): boolean {
    const capacity = this.chain.length * 2;
    if (this.bytesWith(capacity, this.heads.length * 2) > this.bytesMax || capacity * this.words * 4 > cachePoolBytesMax) return false;
    const pool = new Int32Array(this.pool.length * 2);
    pool.set(this.pool);
    this.pool = pool;
    const chain = new Int32Array(this.chain.length * 2);
    chain.set(this.chain);
    this.chain = chain;
    return true;
  }

  private rehash(): void {
    const { heads, keys } = this;
    this.heads = new Int32Array(heads.length * 2);
    this.keys = new Int32Array(keys.length * 2);
    for (let slot = 0; slot < heads.length; slot += 1) {
      if (heads[slot] === 0) continue;
      const target = this.slotOf(keys[slot] as number);
      this.heads[target] = heads[slot] as number;
      this.keys[target] = keys[slot] as number;
    }
  }
}

function advanceOf(model: AnyModel): (state: unknown, input: unknown, output: unknown) => unknown {
  const next = model.next;
  // Called as a plain function (Model says so): a wrapper here cost 4 % of the search's instructions.
  if (next !== undefined) return next;
  return (state, input, output) => {
    const result = model.step(state, input, output);
    return result.ok ? result.state : illegalStep;
  };
}

/** The entry list: every call, and the return of every completed operation, in real-time order. */
interface EntryList {
  next: Int32Array;
  prev: Int32Array;
  head: number;
  entryOperation: Int32Array;
  isReturn: Uint8Array;
  callEntry: Int32Array;
  /** -1 for an operation that never returns (info, or no completion). */
  returnEntry: Int32Array;
  completed: number;
}

function buildEntries(operations: readonly Operation[]): EntryList {
  const count = operations.length;
  const order: { time: number; isReturn: number; operation: number }[] = [];
  operations.forEach((operation, id) => {
    order.push({ time: operation.call, isReturn: 0, operation: id });
    if (operation.return !== Infinity) order.push({ time: operation.return, isReturn: 1, operation: id });
  });
  // On a tie a call goes first: the two operations then overlap, the permissive reading.
  order.sort((a, b) => a.time - b.time || a.isReturn - b.isReturn || a.operation - b.operation);
  const size = order.length;
  const head = size;
  const list: EntryList = {
    next: new Int32Array(size + 1), prev: new Int32Array(size + 1), head,
    entryOperation: new Int32Array(size), isReturn: new Uint8Array(size),
    callEntry: new Int32Array(count), returnEntry: new Int32Array(count).fill(-1), completed: size - count,
  };
  let previous = head;
  order.forEach((entry, position) => {
    list.entryOperation[position] = entry.operation;
    list.isReturn[position] = entry.isReturn;
    if (entry.isReturn === 1) list.returnEntry[entry.operation] = position;
    else list.callEntry[entry.operation] = position;
    list.next[previous] = position;
    list.prev[position] = previous;
    previous = position;
  });
  list.next[previous] = -1;
  list.prev[head] = -1;
  return list;
}

function unlink(list: EntryList, entry: number): void {
  const { next, prev } = list;
  next[prev[entry] as number] = next[entry] as number;
  const after = next[entry] as number;
  if (after !== -1) prev[after] = prev[entry] as number;
}

// Dancing links: a removed entry keeps its neighbours, so re-linking in reverse order restores the list.
function relink(list: EntryList, entry: number): void {
  const { next, prev } = list;
  next[prev[entry] as number] = entry;
  const after = next[entry] as number;
  if (after !== -1) prev[after] = entry;
}

function lift(list: EntryList, operation: number): void {
  unlink(list, list.callEntry[operation] as number);
  const returned = list.returnEntry[operation] as number;
  if (returned !== -1) unlink(list, returned);
}

function unlift(list: EntryList, operation: number): void {
  const returned = list.returnEntry[operation] as number;
  if (returned !== -1) relink(list, returned);
  relink(list, list.callEntry[operation] as number);
}

/**
 * An op the model calls read-only (it changes no state where it is legal: a read, a failed cas) that
 * is legal where the search stands can go first in any linearization from here: taken out of its
 * place it changed nothing there, put first it is legal and changes nothing, and every op that must
 * precede it is already linearized, or it would not be a candidate. So once such an op is taken, its
 * siblings need not be tried after it fails. (A write of the value already there does not qualify:
 * later, in another state, it would change it.)
 *
 * The search for a linearization of one partition, resumable so that partitions can take turns (as
 * Porcupine runs them in parallel) and the first illegal one stops the check early. Operations that
 * never return need not be linearized: once every completed operation is, the rest may take effect
 * later, or never.
 */
export class PartitionSearch {
  private readonly list: EntryList;
  private readonly inputs: unknown[];
  private readonly outputs: unknown[];
  private readonly mixes: Int32Array;
  private readonly readOnly: Uint8Array;
  /** The model's `next`, or its `step` in that form: the state after an op, or illegalStep. */
  private readonly advance: (state: unknown, input: unknown, output: unknown) => unknown;
  private readonly hashState: ((state: unknown) => number) | undefined;
  private readonly bits: Int32Array;
  private cache: SeenCache | undefined;
  private readonly stackOperations: Int32Array;
  /** 1 where the op at that depth left the state as it was: then it was the only choice worth trying. */
  private readonly stackForced: Uint8Array;
  private readonly stackStates: unknown[];
  private state: unknown;
  private depth = 0;
  private linearizedCompleted = 0;
  private bitsHash = 0;
  private recordedDepth = -1;
  private longest: number[] = [];
  private statesAfter: unknown[] = [];
  private blocked = -1;
  private entry: number;
  private steps = 0;
  outcome: SearchOutcome | undefined;

  private readonly cacheEntriesMax: number;
  /** The most completed ops any prefix has covered: how far the search got. */
  private deepestCompleted = 0;

  constructor(model: AnyModel, operations: readonly Operation[], limits: SearchLimits) {
    const count = operations.length;
    this.list = buildEntries(operations);
    this.inputs = operations.map((operation) => operation.input);
    this.outputs = operations.map((operation) => operation.output);
    this.mixes = new Int32Array(count).map((_, id) => mixId(id));
    const readOnly = model.readOnly?.bind(model);
    this.readOnly = new Uint8Array(count).map((_, id) => (readOnly?.((operations[id] as Operation).input, (operations[id] as Operation).output) ? 1 : 0));
    this.advance = advanceOf(model);
    // Unbound, as Model says: a function bound anew for every search is a new call target each time, so
    // V8 stops inlining these calls once a batch has searched a few partitions.
    this.hashState = model.hash;
    const equal = model.equal ?? shallowEqual;
    this.bits = new Int32Array(Math.max(1, (count + 31) >>> 5));
    this.cacheEntriesMax = limits.cacheEntriesMax;
    this.cache = new SeenCache(this.bits.length, equal, limits.memoryBytesMax);
    this.stackOperations = new Int32Array(count);
    this.stackForced = new Uint8Array(count);
    this.stackStates = new Array<unknown>(count);
    this.state = model.init();
    this.entry = this.list.next[this.list.head] as number;
    if (this.list.completed === 0) this.finish({ verdict: 'ok', order: [], cacheEntries: 0 });
  }

  get cacheEntries(): number {
    return this.cache?.size ?? this.outcome?.cacheEntries ?? 0;
  }

  /** Estimated bytes the live cache takes. */
  get cacheBytes(): number {
    return this.cache?.bytes ?? 0;
  }

  /** Stops the search as unknown (a budget ran out), says how far it got, and frees its cache. */
  abandon(reason: BudgetKind): SearchOutcome {
    const progress: SearchProgress = {
      cacheEntries: this.cacheEntries, cacheBytes: this.cacheBytes, steps: this.steps,
      deepest: this.deepestCompleted, completed: this.list.completed,
    };
    return this.finish({ verdict: 'unknown', reason, ...progress });
  }

  private finish(outcome: SearchOutcome): SearchOutcome {
    this.outcome = outcome;
    this.cache = undefined;
    this.stackStates.fill(undefined);
    return outcome;
  }

  /** Keeps the deepest dead end: its prefix is the longest partial linearization. */
  private recordLongest(depth: number, state: unknown, blocked: number): void {
    this.recordedDepth = depth;
    this.longest = Array.from(this.stackOperations.subarray(0, depth));
    this.statesAfter = depth === 0 ? [] : [...this.stackStates.slice(1, depth), state];
    this.blocked = blocked;
  }

  private save(state: unknown, depth: number, linearizedCompleted: number, bitsHash: number, entry: number, steps: number): void {
    this.state = state;
    this.depth = depth;
    this.linearizedCompleted = linearizedCompleted;
    this.bitsHash = bitsHash;
    this.entry = entry;
    this.steps = steps;
  }

  /** Takes at most `stepsMax` more steps; returns the outcome once there is one. */
  run(stepsMax: number, expired: () => boolean): SearchOutcome | undefined {
    if (this.outcome !== undefined) return this.outcome;
    const cache = this.cache as SeenCache;
    const { next, isReturn, entryOperation, returnEntry, callEntry, completed, head } = this.list;
    const { inputs, outputs, mixes, advance, hashState, bits, stackOperations, stackForced, stackStates, cacheEntriesMax, readOnly } = this;
    let { state, depth, linearizedCompleted, bitsHash, entry, steps } = this;
    const stepsEnd = steps + stepsMax;
    // Every way out of the loop leaves through one `break` and the one exit after it: V8 optimizes
    // this loop before a search has ended, and a way out it has not yet seen taken (the first `ok`,
    // say) would throw that optimized code away when it is taken.
    let exit: SearchExit = stepsSpent;
    // The budget is read here too, not only every few thousand steps in the loop, so that the loop is
    // never optimized before `expired` has run: its first run would then throw that code away.
    if (expired()) exit = timedOut;
    // No closure over these locals (a `save` arrow, say): V8 would keep every one of them in a heap
    // context, and each step of the loop would load and store them there.
    search: while (exit === stepsSpent && steps < stepsEnd) {
      steps += 1;
      if ((steps & budgetCheckStepMask) === 0 && expired()) {
        exit = timedOut;
        break;
      }
      if (entry === -1) throw new Error('linearizability search ran off the entry list: a return entry must stop every scan');
      if (isReturn[entry] === 0) {
        const operation = entryOperation[entry] as number;
        const after = advance(state, inputs[operation], outputs[operation]);
        if (after !== illegalStep) {
          const word = operation >>> 5;
          const bit = 1 << (operation & 31);
          bits[word] = (bits[word] as number) | bit;
          bitsHash ^= mixes[operation] as number;
          const key = (hashState === undefined ? bitsHash : bitsHash ^ Math.imul(hashState(after), 0x9e3779b1)) & hashKeyMask;
          const added = cache.add(bits, key, after);
          if (added !== 0) {
            if (added === -1 || cache.size > cacheEntriesMax) {
              exit = added === -1 ? outOfMemory : outOfCache;
              break;
            }
            stackOperations[depth] = operation;
            stackForced[depth] = readOnly[operation] as number;
            stackStates[depth] = state;
            depth += 1;
            state = after;
            lift(this.list, operation);
            if (returnEntry[operation] !== -1) {
              linearizedCompleted += 1;
              if (linearizedCompleted > this.deepestCompleted) this.deepestCompleted = linearizedCompleted;
              if (linearizedCompleted === completed) {
                exit = linearized;
                break;
              }
            }
            entry = next[head] as number;
            continue;
          }
          bits[word] = (bits[word] as number) & ~bit;
          bitsHash ^= mixes[operation] as number;
        }
        entry = next[entry] as number;
        continue;
      }
      // A return: the operation it closes found no legal point, so undo the last choice.
      if (depth > this.recordedDepth) this.recordLongest(depth, state, entryOperation[entry] as number);
      // A frame whose op left the state unchanged had no other choice worth trying, so undo past it.
      for (;;) {
        if (depth === 0) {
          exit = exhausted;
          break search;
        }
        depth -= 1;
        const operation = stackOperations[depth] as number;
        state = stackStates[depth];
        stackStates[depth] = undefined;
        bits[operation >>> 5] = (bits[operation >>> 5] as number) & ~(1 << (operation & 31));
        bitsHash ^= mixes[operation] as number;
        if (returnEntry[operation] !== -1) linearizedCompleted -= 1;
        unlift(this.list, operation);
        entry = next[callEntry[operation] as number] as number;
        if (stackForced[depth] === 0) break;
      }
    }
    this.save(state, depth, linearizedCompleted, bitsHash, entry, steps);
    return exit === stepsSpent ? undefined : this.conclude(exit);
  }

  /** The outcome of a search that left its loop for `exit`, from the position `save` kept. */
  private conclude(exit: SearchExit): SearchOutcome {
    const cacheEntries = this.cacheEntries;
    switch (exit) {
      case linearized:
        return this.finish({ verdict: 'ok', order: Array.from(this.stackOperations.subarray(0, this.depth)), cacheEntries });
      case exhausted:
        return this.finish({ verdict: 'illegal', longest: this.longest, statesAfter: this.statesAfter, blocked: this.blocked, cacheEntries });
      case outOfMemory:
        return this.abandon('memory');
      case outOfCache:
        return this.abandon('cache');
      default:
        return this.abandon('timeout');
    }
  }
}
