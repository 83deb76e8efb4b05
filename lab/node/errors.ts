// gRPC statuses a branch answers with, and the rule that keeps them honest: a definite code only
// when nothing was applied and nothing will be. Try it: `throw statusError(status.NOT_FOUND, '...')`.
import { status } from '@grpc/grpc-js';

/** An error that carries the gRPC status a handler should answer with. */
export class StatusError extends Error {
  readonly code: status;
  readonly details: string;

  constructor(code: status, details: string) {
    super(details);
    this.name = 'StatusError';
    this.code = code;
    this.details = details;
  }
}

export function statusError(code: status, details: string): StatusError {
  return new StatusError(code, details);
}

/**
 * Codes only a server that decided sends: it refused, so nothing happened. grpc-js itself makes up
 * UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, INTERNAL, UNKNOWN and RESOURCE_EXHAUSTED locally, so
 * none of those proves that the other side did nothing.
 */
const refusalCodes: ReadonlySet<number> = new Set([
  status.INVALID_ARGUMENT, status.NOT_FOUND, status.FAILED_PRECONDITION, status.ABORTED, status.ALREADY_EXISTS,
  status.OUT_OF_RANGE,
]);

export function codeOf(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    return error.code;
  }
  return undefined;
}

export function detailsOf(error: unknown): string {
  if (error instanceof StatusError) return error.details;
  if (typeof error === 'object' && error !== null && 'details' in error && typeof error.details === 'string') {
    return error.details;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * A call to the serialization point failed before any commit was sent (Acquire, Read): the
 * customer's operation definitely did not happen. Argument errors keep their own code.
 */
export function failedBeforeCommit(step: string, error: unknown): StatusError {
  const code = codeOf(error);
  if (code === status.INVALID_ARGUMENT || code === status.NOT_FOUND) return statusError(code, detailsOf(error));
  return statusError(status.ABORTED, `${step} at the serialization point failed: ${detailsOf(error)}`);
}

/**
 * A Commit or CompareAndSet failed: unless the serialization point itself refused, the outcome is
 * unknown, so the answer must be indeterminate.
 */
export function failedDuringCommit(step: string, error: unknown): StatusError {
  const code = codeOf(error);
  if (code !== undefined && refusalCodes.has(code)) {
    return statusError(status.ABORTED, `${step} refused by the serialization point: ${detailsOf(error)}`);
  }
  const indeterminate = code === status.DEADLINE_EXCEEDED ? status.DEADLINE_EXCEEDED : status.UNAVAILABLE;
  return statusError(indeterminate, `${step} outcome unknown: ${detailsOf(error)}`);
}

/** Turns anything a handler threw into the status object grpc-js sends. */
export function toStatus(error: unknown): { code: status; details: string } {
  if (error instanceof StatusError) return { code: error.code, details: error.details };
  return { code: status.INTERNAL, details: detailsOf(error) };
}
