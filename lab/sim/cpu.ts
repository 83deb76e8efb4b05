// Virtual CPU time: every event a node handles (a message, a timer, a turn's commit) keeps its
// process busy for a while drawn from the simulator's seed, and now and then the process is off the
// CPU for longer (the OS ran another process, or a GC paused it). Its next messages and timers wait
// until it is free, so on a busy node a reply comes late and a caller's deadline passes, as on a
// loaded machine. Try it: `const cpu = new SimCpu(7, defaultCpuModel); cpu.costMs()`.
import seedrandom from 'seedrandom';

export interface CpuModel {
  /** Mean virtual ms one event of a node takes (exponentially distributed); 0 with no stalls: CPU is free. */
  eventMsMean: number;
  /** The chance, per event, that the process then loses the CPU for a stall. */
  stallChance: number;
  /** A stall lasts at least this long; its length is Pareto-distributed (a heavy tail, as scheduling delays). */
  stallMsMin: number;
  /** The Pareto tail index: smaller gives more long stalls. */
  stallTail: number;
  /** No stall lasts longer than this. */
  stallMsMax: number;
}

/**
 * A node on a shared two-core machine running a few real clusters: about 1 ms per message or timer,
 * and about one event in 250 followed by a stall of 2 ms or more, one stall in 30 lasting past a
 * 600 ms deadline. Fitted to the real mode's ok-op latencies (p50 5 ms, p90 13, p99 52) under a load
 * of 10 to 14, which bench:sim prints beside the simulator's (docs/simulation.md).
 */
export const defaultCpuModel: CpuModel = { eventMsMean: 1, stallChance: 0.004, stallMsMin: 2, stallTail: 0.6, stallMsMax: 2_000 };

/** No CPU time at all: every event takes no virtual time (the simulator before it charged CPU). */
export const freeCpuModel: CpuModel = { eventMsMean: 0, stallChance: 0, stallMsMin: 0, stallTail: 1, stallMsMax: 0 };

export class SimCpu {
  private readonly draw: () => number;
  /** Stalls drawn so far, and their virtual ms: the run reports them. */
  stalls = 0;
  stallMs = 0;

  constructor(seed: number, readonly model: CpuModel) {
    // A stream of its own, split by name: charging CPU shifts no schedule or network draw.
    this.draw = seedrandom.alea(`${seed}/simulator/cpu`);
  }

  get free(): boolean {
    return this.model.eventMsMean === 0 && this.model.stallChance === 0;
  }

  /** The virtual ms the event just run keeps its process busy: one draw picks a stall or a plain cost. */
  costMs(): number {
    const { eventMsMean, stallChance, stallMsMin, stallTail, stallMsMax } = this.model;
    const u = this.draw();
    if (u < stallChance) {
      // The same draw, rescaled to (0, 1], picks the stall's length from the Pareto tail.
      const v = 1 - u / stallChance;
      const ms = Math.min(stallMsMax, stallMsMin * v ** (-1 / stallTail));
      this.stalls += 1;
      this.stallMs += ms;
      return ms;
    }
    if (eventMsMean === 0) return 0;
    const v = (u - stallChance) / (1 - stallChance);
    return -eventMsMean * Math.log(1 - v);
  }
}
