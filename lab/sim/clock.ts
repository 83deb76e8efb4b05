// A process's clock in the simulator: now() is virtual, and every timer is an event of its
// process, so a kill drops it and a pause makes it fire late. Try it: `new SimClock(loop, process).sleep(5)`.
import type { Clock, Timer, TimerOptions } from '../systems/index.js';
import type { SimEvent, SimLoop, SimProcess } from './loop.js';

/** Virtual wall-clock time starts here (2023-11-14), so epoch-millisecond deadlines look like real ones. */
export const simEpochMs = 1_700_000_000_000;

interface SimTimer extends Timer {
  event: SimEvent | undefined;
  /** Set for an interval: it schedules its next firing itself. */
  everyMs: number | undefined;
  cleared: boolean;
}

export class SimClock implements Clock {
  private timers = 0;
  /**
   * The life of the process this clock was made for. Code of a killed life can still be running (a
   * promise it awaited settles after the kill); a timer it arms then belongs to the dead life and
   * never fires, as no timer of a killed process does.
   */
  private readonly generation: number;

  constructor(private readonly loop: SimLoop, private readonly process: SimProcess | undefined) {
    this.generation = process?.generation ?? 0;
  }

  now(): number {
    // Whole milliseconds, as Date.now gives them: deadlines travel as uint64 on the wire.
    return simEpochMs + Math.floor(this.loop.now);
  }

  monotonicMs(): number {
    return this.loop.now;
  }

  after(callback: () => void, delayMs: number, options?: TimerOptions): Timer {
    void options;
    const timer: SimTimer = { clock: this, event: undefined, everyMs: undefined, cleared: false };
    timer.event = this.loop.at(delayMs, this.process, this.label(), callback, this.generation);
    return timer;
  }

  cancel(timer: Timer | undefined): void {
    if (timer === undefined) return;
    const own = timer as SimTimer;
    own.cleared = true;
    if (own.event !== undefined) this.loop.cancel(own.event);
  }

  every(callback: () => void, everyMs: number, options?: TimerOptions): Timer {
    void options;
    const timer: SimTimer = { clock: this, event: undefined, everyMs, cleared: false };
    const fire = (): void => {
      if (timer.cleared) return;
      timer.event = this.loop.at(everyMs, this.process, this.label(), fire, this.generation);
      callback();
    };
    timer.event = this.loop.at(everyMs, this.process, this.label(), fire, this.generation);
    return timer;
  }

  afterTurn(callback: () => void): void {
    this.loop.at(0, this.process, '', callback, this.generation);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.loop.at(delayMs, this.process, this.label(), resolve, this.generation));
  }

  private label(): string {
    this.timers += 1;
    return `timer ${this.process?.name ?? 'lab'} ${this.timers}`;
  }
}
