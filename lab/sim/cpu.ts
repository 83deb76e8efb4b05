// Virtual CPU time: every event a node handles (a message, a timer, a turn's commit) keeps its
// process busy for a while drawn from the simulator's seed, and now and then the process is off the
// CPU for longer (the OS ran another process, or a GC paused it). Its next messages and timers wait
// until it is free, so on a busy node a reply comes late and a caller's deadline passes, as on a
// loaded machine. Try it: `new ProcessCpu(7, 'b1', defaultCpuModel, { stalls: 0, stallMs: 0 }).readyAt(5_000)`.
import seedrandom from 'seedrandom';

export interface CpuModel {
  /** Mean virtual ms one event of a node takes (exponentially distributed); 0: events are free. */
  eventMsMean: number;
  /**
   * Mean virtual ms from the end of one stall of a process to the start of its next (exponential):
   * the OS takes a process off the CPU at times of its own, whatever the process is doing, so a
   * stall stays where it is when the plan around it changes (a shrink keeps its failure). Infinity: none.
   */
  stallEveryMs: number;
  /** A stall lasts at least this long; its length is Pareto-distributed (a heavy tail, as scheduling delays). */
  stallMsMin: number;
  /** The Pareto tail index: smaller gives more long stalls. */
  stallTail: number;
  /** No stall lasts longer than this. */
  stallMsMax: number;
}

/**
 * A node on a shared two-core machine running a few real clusters: about 1 ms per message or timer,
 * and a stall of 2 ms or more about every 1.5 s of its time, one stall in 30 lasting past a 600 ms
 * deadline. Fitted to the real mode's ok-op latencies (p50 5 ms, p90 13, p99 52) under a load of 10
 * to 14, which bench:sim prints beside the simulator's (docs/simulation.md).
 */
export const defaultCpuModel: CpuModel = { eventMsMean: 1, stallEveryMs: 1_500, stallMsMin: 2, stallTail: 0.6, stallMsMax: 2_000 };

/** No CPU time at all: every event takes no virtual time (the simulator before it charged CPU). */
export const freeCpuModel: CpuModel = { eventMsMean: 0, stallEveryMs: Infinity, stallMsMin: 0, stallTail: 1, stallMsMax: 0 };

export function isFree(model: CpuModel): boolean {
  return model.eventMsMean === 0 && model.stallEveryMs === Infinity;
}

/** What the stalls of a run held up: those that delayed at least one event, and their virtual ms. */
export interface StallCount {
  stalls: number;
  stallMs: number;
  /** Each of those stalls: whose, when it began (virtual ms) and how long it lasted. */
  held?: HeldStall[];
}

export interface HeldStall {
  process: string;
  atMs: number;
  ms: number;
}

/**
 * One process's CPU, with draws of its own (split by the process's name from the simulator's seed):
 * what other processes do never moves its costs or its stalls.
 */
export class ProcessCpu {
  private readonly costDraw: () => number;
  private readonly stallDraw: () => number;
  private stallAt = 0;
  private stallMs = 0;
  private stallCounted = false;

  constructor(seed: number, private readonly name: string, readonly model: CpuModel, private readonly count: StallCount) {
    this.costDraw = seedrandom.alea(`${seed}/simulator/cpu/${name}`);
    this.stallDraw = seedrandom.alea(`${seed}/simulator/cpu/${name}/stalls`);
    this.nextStall(0);
  }

  /** When an event due at `at` can run: at once, or when the stall covering `at` ends. */
  readyAt(at: number): number {
    while (this.stallAt + this.stallMs <= at) this.nextStall(this.stallAt + this.stallMs);
    if (at < this.stallAt) return at;
    if (!this.stallCounted) {
      this.stallCounted = true;
      this.count.stalls += 1;
      this.count.stallMs += this.stallMs;
      this.count.held?.push({ process: this.name, atMs: this.stallAt, ms: this.stallMs });
    }
    return this.stallAt + this.stallMs;
  }

  /** The virtual ms the event just run keeps its process busy. */
  costMs(): number {
    const { eventMsMean } = this.model;
    return eventMsMean === 0 ? 0 : -eventMsMean * Math.log(1 - this.costDraw());
  }

  private nextStall(from: number): void {
    const { stallEveryMs, stallMsMin, stallTail, stallMsMax } = this.model;
    this.stallCounted = false;
    if (stallEveryMs === Infinity) {
      this.stallAt = Infinity;
      this.stallMs = 0;
      return;
    }
    this.stallAt = from - stallEveryMs * Math.log(1 - this.stallDraw());
    this.stallMs = Math.min(stallMsMax, stallMsMin * (1 - this.stallDraw()) ** (-1 / stallTail));
  }
}
