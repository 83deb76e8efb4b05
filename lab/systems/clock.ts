// The one way node code reads time and waits: now(), timers, the end of the event loop's turn and
// sleep. The process's own timers are lab/cluster/real-clock.ts, which only process entries and the
// lab's driver pass in; the simulator (lab/sim) runs the same interface in virtual time. Node code
// never picks a clock itself: it takes the one it is given.

/** An armed timer; only the clock that made it can clear it. */
export interface Timer {
  readonly clock: Clock;
}

export interface TimerOptions {
  /**
   * A background timer (a periodic purge, a fire-and-forget send) does not keep a real process
   * alive on its own, as Node's `unref` would have it; the simulator treats it as any other.
   */
  background?: boolean;
}

export interface Clock {
  /** Wall-clock epoch milliseconds (virtual ones in the simulator): deadlines and dedup ages use it. */
  now(): number;
  /** Milliseconds on a monotonic scale, for durations only. */
  monotonicMs(): number;
  /** Calls `callback` once, `delayMs` from now (setTimeout). */
  after(callback: () => void, delayMs: number, options?: TimerOptions): Timer;
  /** Clears a timer of this clock, once or repeating; undefined or an already fired timer is fine. */
  cancel(timer: Timer | undefined): void;
  /** Calls `callback` every `everyMs` until cancelled (setInterval). */
  every(callback: () => void, everyMs: number, options?: TimerOptions): Timer;
  /** Runs `callback` once the current turn is over (its microtasks drained): setImmediate. */
  afterTurn(callback: () => void): void;
  sleep(delayMs: number): Promise<void>;
}
