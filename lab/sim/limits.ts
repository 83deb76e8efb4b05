// The bounds on everything the simulator holds. A run that reaches one ends `unknown`, naming it,
// instead of hanging or eating the machine.

export interface SimLimits {
  /** Events the loop runs in one run. */
  eventsMax: number;
  /** Virtual milliseconds one run may last. */
  virtualMsMax: number;
  /** Messages on their way over one directed link at once. */
  inFlightPerLinkMax: number;
  /** Bytes of trace.jsonl one run may write. */
  traceBytesMax: number;
}

export type SimLimitName = keyof SimLimits;

export class SimLimitError extends Error {
  readonly code = 'sim-limit';

  constructor(readonly limit: SimLimitName, message: string) {
    super(`simulator limit ${limit}: ${message}`);
  }
}
