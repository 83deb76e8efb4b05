// The runtime guard of a simulated run: while it is on, Date.now, performance.now, setTimeout,
// setInterval, setImmediate, Math.random and crypto's random functions count every call that comes
// from the lab's code (node code above all) instead of the simulator's clock and seeds. A clean run
// counts zero. Try it: `const guard = installGuard(); ...; guard.remove(); guard.report()`.
import { webcrypto } from 'node:crypto';

export interface GuardReport {
  calls: number;
  /** The first offending call: which function, and the stack that made it. */
  first: { name: string; stack: string } | undefined;
}

export interface Guard {
  report(): GuardReport;
  remove(): void;
}

/** Calls from code outside the lab (the test runner's own timers) do not count. */
function fromLab(stack: string): boolean {
  const frames = stack.split('\n').slice(3);
  return frames.some((frame) => frame.includes('/lab/') && !frame.includes('node_modules') && !frame.includes('/lab/sim/guard.ts'));
}

type Patch = [target: object, key: string, name: string];

/** The reports of the guards now on. Several simulated runs can share a process (a fleet worker's jobs). */
const active = new Set<GuardReport>();
let restore: (() => void) | undefined;

/**
 * Patches the globals while at least one guard is on, and restores them when the last is removed, in
 * whatever order guards come and go. A call made while several runs are simulated counts in each of
 * them: the stack cannot tell whose node code made it, and a count may only be too high, never too low.
 */
export function installGuard(): Guard {
  const report: GuardReport = { calls: 0, first: undefined };
  if (active.size === 0) restore = patchGlobals();
  active.add(report);
  return {
    report: () => ({ ...report }),
    remove: () => {
      if (!active.delete(report) || active.size > 0) return;
      restore?.();
      restore = undefined;
    },
  };
}

function patchGlobals(): () => void {
  const patches: Patch[] = [
    [Date, 'now', 'Date.now'], [performance, 'now', 'performance.now'], [Math, 'random', 'Math.random'],
    [globalThis, 'setTimeout', 'setTimeout'], [globalThis, 'setInterval', 'setInterval'], [globalThis, 'setImmediate', 'setImmediate'],
    [webcrypto, 'getRandomValues', 'crypto.getRandomValues'], [webcrypto, 'randomUUID', 'crypto.randomUUID'],
  ];
  const originals = patches.map(([target, key]) => (target as Record<string, unknown>)[key]);
  patches.forEach(([target, key, name], index) => {
    const original = originals[index] as (...parameters: unknown[]) => unknown;
    (target as Record<string, unknown>)[key] = function guarded(this: unknown, ...parameters: unknown[]): unknown {
      const stack = new Error().stack ?? '';
      if (fromLab(stack)) {
        for (const report of active) {
          report.calls += 1;
          report.first ??= { name, stack };
        }
      }
      return original.apply(this, parameters);
    };
  });
  return () => {
    patches.forEach(([target, key], index) => {
      (target as Record<string, unknown>)[key] = originals[index];
    });
  };
}
