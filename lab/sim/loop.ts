// The simulator's discrete-event loop: one queue ordered by (virtual time, tie, sequence), where the
// tie among events due at the same instant is drawn from the run's seeded PRNG (or is the plain
// FIFO order). After each event the microtasks drain, then the next event runs. Events belong to a
// process: a killed process's events are dropped, a paused one's are held and run late on resume.
// Try it: `const loop = new SimLoop({ seed: 1 }); await loop.run(async () => loop.sleep(5))`.
import seedrandom from 'seedrandom';
import { defaultCpuModel, isFree, ProcessCpu } from './cpu.js';
import type { CpuModel, StallCount } from './cpu.js';
import { SimLimitError } from './limits.js';
import type { SimLimits } from './limits.js';
import { Trace } from './trace.js';

/** The real setImmediate, taken before any guard replaces it: the loop's one way to let microtasks drain. */
const realSetImmediate = globalThis.setImmediate;

function drain(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

/** Instants whose ties a process remembers before the past ones are dropped. */
const tiesKeptMax = 256;

/** A simulated process: what its events belong to. */
export class SimProcess {
  /** Bumped by every kill: an event of an older generation never runs. */
  generation = 0;
  paused = false;
  /** Events that came due while the process was paused, in the order they came due. */
  readonly held: SimEvent[] = [];
  /**
   * The tie drawn for each instant this process has events at: one process's events of one instant
   * keep the order they were scheduled in, as a real event loop keeps its timers; only different
   * processes' events are shuffled against each other.
   */
  readonly ties = new Map<number, number>();
  tiesPruneAt = tiesKeptMax;
  /** Until this virtual instant the process is on the CPU: its events wait. */
  busyUntil = 0;
  /** Its CPU's draws (costs and stalls), made on its first event. */
  cpu: ProcessCpu | undefined;

  constructor(readonly name: string) {}
}

export interface SimEvent {
  at: number;
  tie: number;
  /**
   * When the event first came due. A busy or stalled process runs what it postponed in this order,
   * so two messages of one stream cannot swap places while their receiver waits for its CPU.
   */
  due: number;
  sequence: number;
  owner: SimProcess | undefined;
  generation: number;
  label: string;
  run: () => void;
}

/** `random`: ties drawn from the seed; `fifo`: the order events were scheduled in (the plainest schedule). */
export type Schedule = 'random' | 'fifo';

export interface LoopOptions {
  seed: number;
  schedule?: Schedule;
  /**
   * How many tie choices are drawn before the rest fall back to FIFO: the schedules between the
   * plain FIFO one (0) and the seed's own (unbounded). Schedule shrinking searches this.
   */
  randomTiesMax?: number;
  limits?: Partial<SimLimits>;
  /** What a node's event costs in virtual CPU time; defaultCpuModel unless given. */
  cpu?: CpuModel;
}

/** Something threw inside the system's code while an event ran: a crash, with the trace up to it. */
export class SimCrashError extends Error {
  readonly code = 'sim-crash';
}

/** The run's main task waits while nothing is scheduled: nothing can ever wake it. */
export class SimStallError extends Error {
  readonly code = 'sim-stall';
}

export class SimLoop {
  readonly trace: Trace;
  private readonly lab = new SimProcess('lab');
  readonly limits: SimLimits;
  private readonly heap: SimEvent[] = [];
  private readonly draw: () => number;
  private readonly schedule: Schedule;
  private nowMs = 0;
  private sequence = 0;
  private events = 0;
  private draws = 0;
  private readonly randomTiesMax: number;
  private readonly cpuModel: CpuModel;
  private readonly seed: number;
  /** The stalls that held up an event, and their virtual ms. */
  readonly stalls: StallCount = { stalls: 0, stallMs: 0, held: [] };

  constructor(options: LoopOptions) {
    this.limits = { ...defaultLimits(), ...options.limits };
    this.draw = seedrandom(`${options.seed}/simulator/schedule`);
    this.schedule = options.schedule ?? 'random';
    this.randomTiesMax = options.randomTiesMax ?? Infinity;
    this.trace = new Trace(this.limits.traceBytesMax);
    this.seed = options.seed;
    this.cpuModel = options.cpu ?? defaultCpuModel;
  }

  /** Virtual milliseconds since the run began. */
  get now(): number {
    return this.nowMs;
  }

  get eventCount(): number {
    return this.events;
  }

  /** Tie choices drawn so far: the scheduler's choices a replay makes again. */
  get tieDraws(): number {
    return this.draws;
  }

  /**
   * Schedules `run` at now + delayMs, as an event of `owner` (undefined: the lab itself) in its life
   * `generation` (by default its current one): an event of a life that a kill ended never runs.
   */
  at(delayMs: number, owner: SimProcess | undefined, label: string, run: () => void, generation = owner?.generation ?? 0): SimEvent {
    const at = this.nowMs + Math.max(0, delayMs);
    const event: SimEvent = { at, tie: this.tieFor(owner ?? this.lab, at), due: at, sequence: this.sequence++, owner, generation, label, run };
    this.push(event);
    return event;
  }

  /** Makes a scheduled event a no-op (a cleared timer); it still leaves the queue in order. */
  cancel(event: SimEvent): void {
    event.run = noop;
    event.label = '';
  }

  /** Resolves after `delayMs` of virtual time, as an event of the lab. */
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.at(delayMs, undefined, '', resolve));
  }

  /** Runs the held events of a resumed process now, in the order they came due. */
  release(process: SimProcess): void {
    for (const event of process.held.splice(0)) this.postpone(event, this.nowMs);
  }

  /**
   * Puts a popped event back in the queue at `at`, among its process's events there in the order they
   * first came due (its `due` and `sequence` stay). The same object, so that a timer cleared meanwhile
   * (cancel) stays cleared.
   */
  private postpone(event: SimEvent, at: number): void {
    event.at = at;
    event.tie = this.tieFor(event.owner ?? this.lab, at);
    this.push(event);
  }

  private tieFor(process: SimProcess, at: number): number {
    if (this.schedule === 'fifo' || this.draws >= this.randomTiesMax) return 0;
    let tie = process.ties.get(at);
    if (tie === undefined) {
      if (process.ties.size >= process.tiesPruneAt) {
        for (const instant of process.ties.keys()) if (instant < this.nowMs) process.ties.delete(instant);
        // Instants still ahead stay; the next sweep waits until as many more came, so sweeps stay rare.
        process.tiesPruneAt = Math.max(tiesKeptMax, 2 * process.ties.size);
      }
      tie = this.draw();
      this.draws += 1;
      process.ties.set(at, tie);
    }
    return tie;
  }

  /** Runs events until `main` settles; its value or error is the run's. */
  async run<T>(main: () => Promise<T>): Promise<T> {
    let settled: { value: T } | { error: unknown } | undefined;
    main().then((value) => (settled = { value }), (error: unknown) => (settled = { error }));
    await drain();
    while (settled === undefined) {
      const event = this.pop();
      if (event === undefined) throw new SimStallError(`nothing is scheduled at ${this.nowMs} ms and the run waits`);
      this.step(event);
      await drain();
    }
    if ('error' in settled) throw settled.error;
    return settled.value;
  }

  private step(event: SimEvent): void {
    this.nowMs = event.at;
    if (event.run === noop) return;
    const { owner } = event;
    if (owner !== undefined && owner.generation !== event.generation) return;
    if (owner?.paused === true) {
      owner.held.push(event);
      return;
    }
    // The process is still busy with what it ran before, or stalled: this waits its turn.
    const cpu = owner === undefined || isFree(this.cpuModel) ? undefined : (owner.cpu ??= new ProcessCpu(this.seed, owner.name, this.cpuModel, this.stalls));
    if (owner !== undefined && cpu !== undefined) {
      const ready = Math.max(owner.busyUntil, cpu.readyAt(event.at));
      if (event.at < ready) {
        this.postpone(event, ready);
        return;
      }
    }
    this.events += 1;
    if (this.events > this.limits.eventsMax) throw new SimLimitError('eventsMax', `more than ${this.limits.eventsMax} events`);
    if (this.nowMs > this.limits.virtualMsMax) throw new SimLimitError('virtualMsMax', `virtual time passed ${this.limits.virtualMsMax} ms`);
    if (event.label !== '') this.trace.event(this.nowMs, event.label);
    try {
      event.run();
    } catch (error) {
      if (error instanceof SimLimitError) throw error;
      throw new SimCrashError(`${event.label || 'an event'} threw at ${this.nowMs} ms: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
    if (owner !== undefined && cpu !== undefined) owner.busyUntil = this.nowMs + cpu.costMs();
  }

  private push(event: SimEvent): void {
    const heap = this.heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(event, heap[parent] as SimEvent)) break;
      heap[index] = heap[parent] as SimEvent;
      index = parent;
    }
    heap[index] = event;
  }

  private pop(): SimEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as SimEvent, heap[left] as SimEvent) ? right : left;
      if (!before(heap[child] as SimEvent, last)) break;
      heap[index] = heap[child] as SimEvent;
      index = child;
    }
    heap[index] = last;
    return top;
  }
}

function noop(): void {}

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.tie !== b.tie) return a.tie < b.tie;
  if (a.due !== b.due) return a.due < b.due;
  return a.sequence < b.sequence;
}

function defaultLimits(): SimLimits {
  return { eventsMax: 2_000_000, virtualMsMax: 3_600_000, inFlightPerLinkMax: 10_000, traceBytesMax: 64 * 1024 * 1024 };
}
