// Assertions for what must hold and what must never happen (TigerBeetle's style). A failed assertion
// is a bug in faultline, never a verdict on the system under test: it throws AssertionFailure, which
// the command line turns into exit 70. Operating errors (a dropped connection) are data, not asserts.

export class AssertionFailure extends Error {
  readonly code = 'assertion' as const;

  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionFailure';
  }
}

/** Throws AssertionFailure when `condition` is false; `message` says what should have held. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionFailure(typeof message === 'string' ? message : message());
}

export function isAssertionFailure(error: unknown): error is AssertionFailure {
  return error instanceof AssertionFailure;
}
