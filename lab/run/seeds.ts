// Derived seeds: every part of a run takes its randomness from the root seed through a name, so
// changing one part's draws never shifts another's. `explore` gives run k the seed derived for `run/k`.
import seedrandom from 'seedrandom';

/** A 32-bit seed fast-check accepts, derived from a root seed and a name. */
export function deriveSeed(root: number, name: string): number {
  return seedrandom(`${root}/${name}`).int32();
}

export function runSeed(root: number, run: number): number {
  return deriveSeed(root, `run/${run}`);
}
