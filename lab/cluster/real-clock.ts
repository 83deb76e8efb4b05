// The process's own clock: Date.now, performance.now and Node's timers behind the Clock interface.
// It lives with the real processes, not beside node code: only a process entry (a branch's main, the
// lab's driver) hands it on, and node code receives a Clock and never names this one
// (lab/systems/ambient.test.ts checks), so the simulator can swap every clock.
// Try it: `const timer = realClock.after(() => log('late'), 100); realClock.cancel(timer)`.
import type { Clock, Timer } from '../systems/index.js';

interface RealTimer extends Timer {
  readonly handle: NodeJS.Timeout;
}

/** The process's own clock and timers: what a node uses outside the simulator. */
export const realClock: Clock = {
  now: () => Date.now(),
  monotonicMs: () => performance.now(),
  after(callback, delayMs, options) {
    const handle = setTimeout(callback, delayMs);
    if (options?.background === true) handle.unref();
    return { clock: realClock, handle } satisfies RealTimer;
  },
  cancel(timer) {
    if (timer !== undefined) clearTimeout((timer as RealTimer).handle);
  },
  every(callback, everyMs, options) {
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
