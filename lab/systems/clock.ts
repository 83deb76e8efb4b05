// The one way node code reads time and waits: now(), timers, the end of the event loop's turn and
// sleep. The real mode wraps the process's timers; the simulator (lab/sim) runs them in virtual time.
// Try it: `const timer = realClock.setTimeout(() => log('late'), 100); realClock.clearTimeout(timer)`.

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
  setTimeout(callback: () => void, delayMs: number, options?: TimerOptions): Timer;
  /** Clears a timer of this clock; undefined or an already fired timer is fine. */
  clearTimeout(timer: Timer | undefined): void;
  setInterval(callback: () => void, everyMs: number, options?: TimerOptions): Timer;
  /** Runs `callback` once the current turn is over (its microtasks drained): setImmediate. */
  afterTurn(callback: () => void): void;
  sleep(delayMs: number): Promise<void>;
}

interface RealTimer extends Timer {
  readonly handle: NodeJS.Timeout;
}

/** The process's own clock and timers: what a node uses outside the simulator. */
export const realClock: Clock = {
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimeout(callback, delayMs, options) {
    const handle = setTimeout(callback, delayMs);
    if (options?.background === true) handle.unref();
    return { clock: realClock, handle } satisfies RealTimer;
  },
  clearTimeout(timer) {
    if (timer !== undefined) clearTimeout((timer as RealTimer).handle);
  },
  setInterval(callback, everyMs, options) {
    const handle = setInterval(callback, everyMs);
    if (options?.background === true) handle.unref();
    return { clock: realClock, handle } satisfies RealTimer;
  },
  afterTurn(callback) {
    setImmediate(callback);
  },
  sleep(delayMs) {
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  },
};
