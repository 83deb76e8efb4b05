// The one table that says which gRPC status codes are definite (the operation did not happen: `fail`)
// and which are indeterminate (it may have happened, now or later: `info`). Jepsen's rule: when unsure,
// indeterminate.
import { status } from '@grpc/grpc-js';

export type Outcome = 'fail' | 'info';

const definite: ReadonlySet<status> = new Set([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.FAILED_PRECONDITION,
  status.ABORTED,
  status.OUT_OF_RANGE,
  status.UNIMPLEMENTED,
  status.RESOURCE_EXHAUSTED,
  status.UNAUTHENTICATED,
]);

/** CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE and DATA_LOSS are indeterminate. */
export function outcomeOf(code: status): Outcome {
  return definite.has(code) ? 'fail' : 'info';
}

export function statusName(code: number): string {
  return status[code] ?? `STATUS_${code}`;
}
