// Unit tests of the paired statistics: quantiles, the seeded bootstrap interval and the calls it makes.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { bootstrapInterval, pairedDifference, pairedSeedsMin, quantile } from './bootstrap.js';

describe('quantile', () => {
  it('interpolates between neighbours', () => {
    expect(quantile([0, 10], 0.25)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([7], 0.975)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('bootstrapInterval', () => {
  it('gives the same interval for the same seed and a constant sample a point interval', () => {
    const values = [3, -1, 4, 1, -5, 9, 2, 6];
    expect(bootstrapInterval(values, 42)).toEqual(bootstrapInterval(values, 42));
    expect(bootstrapInterval(values, 42)).not.toEqual(bootstrapInterval(values, 43));
    expect(bootstrapInterval([2.5, 2.5, 2.5], 1)).toEqual({ low: 2.5, high: 2.5 });
  });

  test.prop([fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }), fc.integer()], { numRuns: 50 })(
    'lies within the sample range, low below high',
    (values, seed) => {
      const { low, high } = bootstrapInterval(values, seed, 200);
      expect(low).toBeLessThanOrEqual(high);
      expect(low).toBeGreaterThanOrEqual(Math.min(...values) - 1e-6);
      expect(high).toBeLessThanOrEqual(Math.max(...values) + 1e-6);
    },
  );
});

describe('pairedDifference', () => {
  const base = [100, 120, 90, 110, 105, 95, 130, 100];
  const faster = base.map((value, index) => value + 20 + (index % 3));

  it('calls the strategy better only when the whole interval is on its side', () => {
    const higher = pairedDifference({ name: 'lock', values: base }, { name: 'lock-free', values: faster }, 'higher', 7);
    expect(higher.low).toBeGreaterThan(0);
    expect(higher.call).toBe('lock-free better');
    const lower = pairedDifference({ name: 'lock', values: base }, { name: 'lock-free', values: faster }, 'lower', 7);
    expect(lower.call).toBe('lock better');
  });

  it('calls an interval spanning 0 no difference, not a win', () => {
    const noisy = base.map((value, index) => value + (index % 2 === 0 ? 15 : -15));
    const result = pairedDifference({ name: 'lock', values: base }, { name: 'lock-free', values: noisy }, 'higher', 7);
    expect(result.low).toBeLessThan(0);
    expect(result.high).toBeGreaterThan(0);
    expect(result.call).toBe('no difference');
  });

  it('pairs by seed, skipping seeds where either side has no value', () => {
    const result = pairedDifference({ name: 'a', values: [1, null, 3, 4, 5, 6, 7, 8] }, { name: 'b', values: [2, 5, null, 5, 6, 7, 8, 9] }, 'higher', 1);
    expect(result.seeds).toBe(6);
    expect(result.mean).toBe(1);
  });

  it('calls nothing below the minimum number of seeds', () => {
    const values = Array.from({ length: pairedSeedsMin - 1 }, (_, index) => index);
    const result = pairedDifference({ name: 'a', values }, { name: 'b', values: values.map((value) => value + 50) }, 'higher', 1);
    expect(result.call).toBe('no difference (too few seeds)');
    expect(result.mean).toBe(50);
    expect([result.low, result.high]).toEqual([null, null]);
  });
});
