// Paired differences between two strategies, seed by seed, with a percentile-bootstrap 95 % confidence
// interval of their mean. The resampling PRNG is seeded, so the same session prints the same interval.
import seedrandom from 'seedrandom';

export const bootstrapResamples = 2_000;
export const confidenceLevel = 0.95;
/**
 * Below this many paired seeds no difference is called. The percentile bootstrap is too narrow on tiny
 * samples (with 2 seeds its interval is just their range); at 6, even an exact sign test would agree
 * whenever every seed points the same way (p = 2/64 < 0.05).
 */
export const pairedSeedsMin = 6;

export type Better = 'higher' | 'lower';

export interface PairedDifference {
  /** Seeds where both strategies gave a value. */
  seeds: number;
  /** Mean of (second - first) over those seeds. */
  mean: number;
  /** The interval's ends; null below pairedSeedsMin seeds, where none is computed. */
  low: number | null;
  high: number | null;
  /** 'no difference' when the interval spans 0 (or there are too few seeds); otherwise who did better. */
  call: string;
}

function mean(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0) / values.length;
}

/** The value at `fraction` of a sorted array, linearly interpolated between neighbours. */
export function quantile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = fraction * (sorted.length - 1);
  const below = Math.floor(position);
  const lower = sorted[below] as number;
  const upper = sorted[Math.min(sorted.length - 1, below + 1)] as number;
  return lower + (upper - lower) * (position - below);
}

/** The percentile-bootstrap interval of the mean of `values`. */
export function bootstrapInterval(values: readonly number[], seed: number, resamples = bootstrapResamples): { low: number; high: number } {
  const random = seedrandom(String(seed));
  const means: number[] = [];
  for (let resample = 0; resample < resamples; resample += 1) {
    let total = 0;
    for (let draw = 0; draw < values.length; draw += 1) total += values[Math.floor(random() * values.length)] as number;
    means.push(total / values.length);
  }
  means.sort((a, b) => a - b);
  const tail = (1 - confidenceLevel) / 2;
  return { low: quantile(means, tail), high: quantile(means, 1 - tail) };
}

/**
 * Compares `second` against `first` (arrays indexed by seed; null where a run gave no value). The call
 * names the better strategy only when the whole interval lies on one side of 0.
 */
export function pairedDifference(
  first: { name: string; values: readonly (number | null)[] },
  second: { name: string; values: readonly (number | null)[] },
  better: Better,
  seed: number,
): PairedDifference {
  const differences: number[] = [];
  first.values.forEach((value, index) => {
    const other = second.values[index];
    if (value !== null && other !== null && other !== undefined) differences.push(other - value);
  });
  if (differences.length < pairedSeedsMin) {
    const average = differences.length === 0 ? 0 : mean(differences);
    return { seeds: differences.length, mean: average, low: null, high: null, call: 'no difference (too few seeds)' };
  }
  const { low, high } = bootstrapInterval(differences, seed);
  const secondHigher = low > 0;
  const secondLower = high < 0;
  let call = 'no difference';
  if (secondHigher || secondLower) {
    const secondBetter = (better === 'higher') === secondHigher;
    call = `${secondBetter ? second.name : first.name} better`;
  }
  return { seeds: differences.length, mean: mean(differences), low, high, call };
}
