// The fleet's operating errors, each with a literal code that the verbs map to an exit code: a bad
// address is the user's (64), a bad job or result is bad data (65), a lost queue is the lab's (70).
export type FleetErrorCode = 'bad-url' | 'queue-unreachable' | 'queue-lost' | 'bad-job' | 'bad-results' | 'bad-shard' | 'no-campaign' | 'cancelled';

export class FleetError extends Error {
  readonly code: FleetErrorCode;

  constructor(code: FleetErrorCode, message: string) {
    super(message);
    this.name = 'FleetError';
    this.code = code;
  }
}

export function isFleetError(error: unknown): error is FleetError {
  return error instanceof FleetError;
}
