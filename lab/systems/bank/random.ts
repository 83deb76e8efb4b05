// A node's one source of randomness: named PRNG streams from one seed, reseeded by Reset, with a
// count and a digest of every draw since the last (re)seed, which Snapshot reports so two runs can be compared.
// Try it: `const random = new NodeRandom('b1', '7'); const next = random.stream('lock-free'); next(); random.digest`.
import seedrandom from 'seedrandom';
import type { Randomness } from '../../../proto/index.js';

/** A draw in [0, 1), as Math.random gives one. */
export type Draw = () => number;

/** FNV-1a, 64 bits: small, fast enough for the few draws a node makes, and the same on every machine. */
const fnvOffset = 0xcbf29ce484222325n;
const fnvPrime = 0x100000001b3n;
const mask64 = 0xffffffffffffffffn;

function fnv(hash: bigint, text: string): bigint {
  let next = hash;
  for (let index = 0; index < text.length; index += 1) {
    next = ((next ^ BigInt(text.charCodeAt(index))) * fnvPrime) & mask64;
  }
  return next;
}

interface StreamState {
  prng: seedrandom.PRNG;
  draws: number;
  hash: bigint;
}

/**
 * Streams are split by name: each has its own PRNG keyed by (seed, node, name), so one more draw in
 * one part never shifts another's. The digest hashes each stream's draws in order and then the
 * streams in name order, not the interleaving of streams: which sender or retry drew first is up to
 * the OS, what each of them drew is up to the seed.
 */
export class NodeRandom {
  private readonly streams = new Map<string, StreamState>();
  private currentSeed: string;

  constructor(private readonly self: string, seed: string) {
    this.currentSeed = seed;
  }

  get seed(): string {
    return this.currentSeed;
  }

  /** The stream of this name: the same function for the node's lifetime, drawing from the current seed. */
  stream(name: string): Draw {
    if (!this.streams.has(name)) this.streams.set(name, this.fresh(name));
    return () => this.draw(name);
  }

  /** Every stream starts again from `seed`, and the count and digest restart. */
  reseed(seed: string): void {
    this.currentSeed = seed;
    for (const name of this.streams.keys()) this.streams.set(name, this.fresh(name));
  }

  get draws(): number {
    let total = 0;
    for (const state of this.streams.values()) total += state.draws;
    return total;
  }

  /** Hex: each stream's name, draw count and the running hash of its drawn values (as text), in name order. */
  get digest(): string {
    let hash = fnvOffset;
    for (const name of [...this.streams.keys()].sort()) {
      const state = this.streams.get(name);
      if (state === undefined || state.draws === 0) continue;
      hash = fnv(hash, `${name}:${state.draws}:${state.hash.toString(16)};`);
    }
    return hash.toString(16).padStart(16, '0');
  }

  /** Snapshot's report: the seed, the draws since it, and their digest. */
  state(): Randomness {
    return { seed: this.currentSeed, draws: this.draws, digest: this.digest };
  }

  private fresh(name: string): StreamState {
    // The same key the node's PRNGs had before they came from here, so a seed keeps its meaning.
    return { prng: seedrandom(`${this.currentSeed}/${this.self}/${name}`), draws: 0, hash: fnvOffset };
  }

  private draw(name: string): number {
    const state = this.streams.get(name);
    if (state === undefined) throw new Error(`NodeRandom: no stream '${name}'`);
    const value = state.prng();
    state.draws += 1;
    state.hash = fnv(state.hash, `${String(value)};`);
    return value;
  }
}
