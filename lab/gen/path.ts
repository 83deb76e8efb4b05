// The value an arbitrary reaches at (seed, path): fast-check replays the path (a run index, then shrink
// steps) and the value there is taken. planFor and systemPlanFor both stand on it.
import fc from 'fast-check';

/** A path that fast-check's shrink tree does not have for this seed: bad input, not a bug. */
export class NoSuchPathError extends Error {
  readonly code = 'no-such-path' as const;
}

export function isNoSuchPath(error: unknown): error is NoSuchPathError {
  return error instanceof NoSuchPathError;
}

/** The value at (seed, path), with the path written into it; NoSuchPathError when the path does not exist. */
export function valueAtPath<Value extends { path: string }>(arbitrary: fc.Arbitrary<Value>, seed: number, path: string): Value {
  let captured: Value | undefined;
  const property = fc.property(arbitrary, (value) => {
    captured = value;
    return false;
  });
  fc.check(property, { seed, path, numRuns: Number(path.split(':')[0]) + 1, endOnFailure: true });
  if (captured === undefined) throw new NoSuchPathError(`no plan at seed ${seed} path '${path}'`);
  return { ...captured, path };
}
