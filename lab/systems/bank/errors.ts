// gRPC statuses a branch answers with, and the rule that keeps them honest: a definite code only
// when nothing was applied and nothing will be. Try it: `throw statusError(status.NOT_FOUND, '...')`.
import { Metadata, status } from '@grpc/grpc-js';
import { metadataKeys } from '../../../proto/index.js';

/**
 * Why a serialization point turned an operation away, sent as trailing metadata: grpc-js makes up
 * RESOURCE_EXHAUSTED locally too, so only this literal proves the point itself refused.
 */
export type Refusal = 'outbox-full';

/** An error that carries the gRPC status a handler should answer with. */
export class StatusError extends Error {
  readonly code: status;
  readonly details: string;
  readonly refusal: Refusal | undefined;

  constructor(code: status, details: string, refusal?: Refusal) {
    super(details);
    this.name = 'StatusError';
    this.code = code;
    this.details = details;
    this.refusal = refusal;
  }
}

export function statusError(code: status, details: string, refusal?: Refusal): StatusError {
  return new StatusError(code, details, refusal);
}

/** The refusal an error carries: set by this process, or in the trailers of a peer's answer. */
export function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof StatusError) return error.refusal;
  if (typeof error === 'object' && error !== null && 'metadata' in error && error.metadata instanceof Metadata) {
    const value = error.metadata.get(metadataKeys.refusal)[0];
    return value === 'outbox-full' ? value : undefined;
  }
  return undefined;
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
  if (refusalOf(error) === 'outbox-full') return statusError(status.RESOURCE_EXHAUSTED, detailsOf(error), 'outbox-full');
  return statusError(status.ABORTED, `${step} at the serialization point failed: ${detailsOf(error)}`);
}

/**
 * A Commit or CompareAndSet failed: unless the serialization point itself refused, the outcome is
 * unknown, so the answer must be indeterminate.
 */
export function failedDuringCommit(step: string, error: unknown): StatusError {
  const code = codeOf(error);
  // The point refused before it wrote anything: backpressure, a definite failure.
  if (refusalOf(error) === 'outbox-full') return statusError(status.RESOURCE_EXHAUSTED, detailsOf(error), 'outbox-full');
  if (code !== undefined && refusalCodes.has(code)) {
    return statusError(status.ABORTED, `${step} refused by the serialization point: ${detailsOf(error)}`);
  }
  const indeterminate = code === status.DEADLINE_EXCEEDED ? status.DEADLINE_EXCEEDED : status.UNAVAILABLE;
  return statusError(indeterminate, `${step} outcome unknown: ${detailsOf(error)}`);
}

/** Turns anything a handler threw into the status object grpc-js sends. */
export function toStatus(error: unknown): { code: status; details: string; metadata?: Metadata } {
  if (!(error instanceof StatusError)) return { code: status.INTERNAL, details: detailsOf(error) };
  if (error.refusal === undefined) return { code: error.code, details: error.details };
  const metadata = new Metadata();
  metadata.set(metadataKeys.refusal, error.refusal);
  return { code: error.code, details: error.details, metadata };
}
