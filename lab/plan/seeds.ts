// One root seed and a run index per run; every random choice of the run comes from a sub-seed that
// `runSeeds` derives from them by name, so one more draw in one part never shifts another part's.
// Try: `seedLine(runSeeds(7, 0))` prints `SEED=7 index=0 plan=… nodes=… proxy=… clients=…`.
import seedrandom from 'seedrandom';

/** The parts of a run that draw random numbers, each from its own sub-seed. */
export const seedParts = ['plan', 'nodes', 'proxy', 'clients'] as const;
export type SeedPart = (typeof seedParts)[number];

/**
 * Everything a run's randomness depends on, as plain data. `plan` seeds fast-check's generation,
 * `nodes` every branch's PRNG streams (reconnect and retry jitter), `proxy` the embedded Toxiproxy's
 * decisions (toxicity, jitter, slicing), `clients` the clients' own backoff.
 */
export interface RunSeeds {
  root: number;
  index: number;
  plan: number;
  nodes: number;
  proxy: number;
  clients: number;
}

/** The widest root seed: any safe integer, negative included. */
export const rootSeedMin = Number.MIN_SAFE_INTEGER;
export const rootSeedMax = Number.MAX_SAFE_INTEGER;

/** A 32-bit seed (fast-check takes these) derived from a root seed and a name. */
export function deriveSeed(root: number, name: string): number {
  return seedrandom(`${root}/${name}`).int32();
}

/**
 * The one derivation. The plan's name, `run/<index>`, is the one explore has always used, so a run's
 * plan is the same as before the other parts had seeds of their own.
 */
export function runSeeds(root: number, index: number): RunSeeds {
  if (!Number.isSafeInteger(root)) throw new RangeError(`a root seed is a safe integer, got ${root}`);
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`a run index is a whole number, got ${index}`);
  return {
    root,
    index,
    plan: deriveSeed(root, `run/${index}`),
    nodes: deriveSeed(root, `run/${index}/nodes`),
    proxy: deriveSeed(root, `run/${index}/proxy`),
    clients: deriveSeed(root, `run/${index}/clients`),
  };
}

/** The seed of run `index`'s plan; kept for callers that need the plan alone. */
export function runSeed(root: number, index: number): number {
  return runSeeds(root, index).plan;
}

/** The one `SEED=` line every verb prints for a run: the root, the index and every derived seed. */
export function seedLine(seeds: RunSeeds): string {
  return `SEED=${seeds.root} index=${seeds.index} ${seedParts.map((part) => `${part}=${seeds[part]}`).join(' ')}`;
}

/** Reads RunSeeds back from JSON (seeds.json), checking that they are what runSeeds derives. */
export function parseRunSeeds(value: unknown): RunSeeds | string {
  if (typeof value !== 'object' || value === null) return 'seeds must be an object';
  const { root, index } = value as Partial<RunSeeds>;
  if (typeof root !== 'number' || !Number.isSafeInteger(root)) return 'seeds.root must be a safe integer';
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) return 'seeds.index must be a whole number';
  const derived = runSeeds(root, index);
  for (const part of seedParts) {
    if ((value as Record<string, unknown>)[part] !== derived[part]) return `seeds.${part} is not the seed derived from root ${root} and index ${index}`;
  }
  return derived;
}
