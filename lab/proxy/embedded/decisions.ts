// Seeded randomness for the embedded server and the log of every choice it made, so two runs with the
// same seed can be compared byte for byte (GET /faultline/decisions). The real server cannot: its -seed is ignored.
import seedrandom from 'seedrandom';

export type DecisionKind = 'toxicity' | 'jitter' | 'slice';

export interface Decision {
  proxy: string;
  toxic: string;
  /** How many toxics of this name this proxy name has had: re-adding one draws afresh. */
  generation: number;
  /** The connection's ordinal on this proxy name, from 1 in accept order. */
  connection: number;
  /** The draw's ordinal within its (proxy, toxic, generation, connection) stream, from 1. */
  draw: number;
  kind: DecisionKind;
  /** toxicity: the roll in [0, 1); jitter: milliseconds added; slice: bytes the split point moved. */
  value: number;
  /** toxicity only: whether the toxic acts on this connection (roll < toxicity). */
  applied?: boolean;
}

export const decisionsMax = 100_000;

export class DecisionLog {
  private readonly entries: Decision[] = [];
  private droppedCount = 0;

  record(decision: Decision): void {
    if (this.entries.length >= decisionsMax) {
      this.droppedCount += 1;
      return;
    }
    this.entries.push(decision);
  }

  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * Sorted by stream and then draw, so two runs whose connections interleaved differently still give
   * the same bytes; the decisions within one stream keep their order.
   */
  sorted(): Decision[] {
    return [...this.entries].sort(compareDecisions);
  }

  clear(): void {
    this.entries.length = 0;
    this.droppedCount = 0;
  }
}

function compareDecisions(left: Decision, right: Decision): number {
  return (
    compareText(left.proxy, right.proxy) ||
    left.connection - right.connection ||
    compareText(left.toxic, right.toxic) ||
    left.generation - right.generation ||
    left.draw - right.draw
  );
}

function compareText(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

export interface StreamKey {
  proxy: string;
  toxic: string;
  generation: number;
  connection: number;
}

/**
 * The random choices of one toxic on one connection, from a PRNG seeded by the run seed and the
 * names, so a connection's choices do not depend on what other connections did meanwhile.
 */
export class ToxicRandom {
  private readonly next: seedrandom.PRNG;
  private draws = 0;

  constructor(
    seed: string,
    private readonly key: StreamKey,
    private readonly log: DecisionLog,
  ) {
    this.next = seedrandom.alea(`${seed}/${key.proxy}/${key.toxic}#${key.generation}/${key.connection}`);
  }

  /** The toxicity roll: the real server draws rand.Float32() and applies the toxic when it is below. */
  roll(toxicity: number): boolean {
    const value = this.next();
    const applied = value < toxicity;
    this.record('toxicity', value, applied);
    return applied;
  }

  /** Go's rand.Int63n(2j) - j: a whole number of milliseconds in [-jitter, jitter). */
  jitter(jitterMs: number): number {
    const value = Math.floor(this.next() * 2 * jitterMs) - jitterMs;
    this.record('jitter', value);
    return value;
  }

  /** Go's rand.Intn(2v) - v: how far the slicer moves a split point, in [-variation, variation). */
  sliceShift(variation: number): number {
    const value = Math.floor(this.next() * 2 * variation) - variation;
    this.record('slice', value);
    return value;
  }

  private record(kind: DecisionKind, value: number, applied?: boolean): void {
    this.draws += 1;
    this.log.record({ ...this.key, draw: this.draws, kind, value, ...(applied === undefined ? {} : { applied }) });
  }
}
