// The runtime guard counts the lab's calls to real time and randomness, and gives the globals back
// however several guards of one process (a fleet worker's simulated jobs) come and go.
import { describe, expect, it } from 'vitest';
import { installGuard } from './guard.js';

/** Node code calls through a frame or two of its own; so does this. */
function fromNodeCode<T>(call: () => T): T {
  return call();
}

describe('the runtime guard', () => {
  it('counts a call from lab code in every guard that is on', () => {
    const first = installGuard();
    const second = installGuard();
    fromNodeCode(() => Date.now());
    second.remove();
    fromNodeCode(() => Math.random());
    first.remove();
    expect(first.report()).toMatchObject({ calls: 2, first: { name: 'Date.now' } });
    expect(second.report()).toMatchObject({ calls: 1, first: { name: 'Date.now' } });
  });

  it('restores the real globals when overlapping guards are removed in the order they were installed', () => {
    const real = [Date.now, Math.random, globalThis.setTimeout, performance.now];
    const first = installGuard();
    const second = installGuard();
    expect(Date.now).not.toBe(real[0]);
    first.remove();
    expect(Date.now).not.toBe(real[0]);
    second.remove();
    second.remove();
    expect([Date.now, Math.random, globalThis.setTimeout, performance.now]).toEqual(real);
    const after = installGuard();
    after.remove();
    fromNodeCode(() => Date.now());
    expect(after.report().calls).toBe(0);
  });
});
