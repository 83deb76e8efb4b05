// The node's seeded randomness: named streams that do not shift each other, a digest that follows
// every draw, and a reseed that gives what a fresh source with that seed gives. Seeds are in the titles.
import { describe, expect, it } from 'vitest';
import { NodeRandom } from './random.js';

function draws(random: NodeRandom, name: string, count: number): number[] {
  const next = random.stream(name);
  return Array.from({ length: count }, () => next());
}

describe('NodeRandom', () => {
  it('changes its digest and count with every draw (seed 7)', () => {
    const random = new NodeRandom('b1', '7');
    const next = random.stream('lock-free');
    const digests = [random.digest];
    for (let draw = 0; draw < 5; draw += 1) {
      next();
      digests.push(random.digest);
    }
    expect(new Set(digests).size).toBe(6);
    expect(random.draws).toBe(5);
    expect(random.state()).toEqual({ seed: '7', draws: 5, digest: random.digest });
  });

  it('after a reseed with the same seed draws the sequence and digest a fresh source draws (seed -42)', () => {
    const fresh = new NodeRandom('b1', '-42');
    const expected = { lockFree: draws(fresh, 'lock-free', 4), propagate: draws(fresh, 'propagate/b2', 3) };

    const reused = new NodeRandom('b1', '9');
    const lockFree = reused.stream('lock-free');
    draws(reused, 'propagate/b2', 11);
    lockFree();
    const before = reused.digest;
    reused.reseed('-42');
    expect(reused.draws).toBe(0);
    expect(reused.digest).toBe(new NodeRandom('b1', '-42').digest);
    // The streams made before the reseed (and held by their users) draw from the new seed.
    const got = { lockFree: Array.from({ length: 4 }, () => lockFree()), propagate: draws(reused, 'propagate/b2', 3) };
    expect(got).toEqual(expected);
    expect(reused.digest).toBe(fresh.digest);
    expect(reused.digest).not.toBe(before);
    expect(reused.state()).toEqual({ seed: '-42', draws: 7, digest: fresh.digest });
  });

  it('splits streams by name: draws in one stream never shift another (seed 3)', () => {
    const quiet = new NodeRandom('b1', '3');
    const busy = new NodeRandom('b1', '3');
    draws(busy, 'propagate/b3', 20);
    expect(draws(busy, 'lock-free', 5)).toEqual(draws(quiet, 'lock-free', 5));
    expect(draws(quiet, 'propagate/b2', 5)).not.toEqual(draws(quiet, 'propagate/b3', 5));
  });

  it('digests what each stream drew, not how the streams interleaved (seed 11)', () => {
    const first = new NodeRandom('b1', '11');
    const second = new NodeRandom('b1', '11');
    const [a, b] = [first.stream('propagate/b2'), first.stream('propagate/b3')];
    a(); b(); a();
    const [c, d] = [second.stream('propagate/b3'), second.stream('propagate/b2')];
    d(); d(); c();
    expect(second.digest).toBe(first.digest);
    // One draw more, or another seed, or another node: another digest.
    c();
    expect(second.digest).not.toBe(first.digest);
    const other = new NodeRandom('b1', '12');
    other.stream('propagate/b2')(); other.stream('propagate/b2')(); other.stream('propagate/b3')();
    expect(other.digest).not.toBe(first.digest);
    const elsewhere = new NodeRandom('b2', '11');
    elsewhere.stream('propagate/b2')(); elsewhere.stream('propagate/b2')(); elsewhere.stream('propagate/b3')();
    expect(elsewhere.digest).not.toBe(first.digest);
  });
});
