// The one table that says which of etcd's errors are definite (the op did not happen: `fail`) and
// which are indeterminate (it may have happened, now or later: `info`), and the etcd system's own errors.
// Try it: `npx vitest run lab/systems/etcd/errors.test.ts`.
import { status } from '@grpc/grpc-js';

export type Certainty = 'definite' | 'indeterminate';

/**
 * etcd's own error strings (server/etcdserver/api/v3rpc/rpctypes) that the lab relies on, with what
 * each means for a write. etcd sends them as a status's details; their gRPC code alone can mislead:
 * UNAVAILABLE covers both "never proposed" and "proposed, outcome unknown", so this table is read first.
 */
export const etcdErrorTable: readonly { details: string; certainty: Certainty; why: string }[] = [
  { details: 'etcdserver: too many requests', certainty: 'definite', why: 'refused before it was proposed (applied index too far behind)' },
  { details: 'etcdserver: request is too large', certainty: 'definite', why: 'refused before it was proposed' },
  { details: 'etcdserver: key is not provided', certainty: 'definite', why: 'refused by validation' },
  { details: 'etcdserver: requested lease not found', certainty: 'definite', why: 'the lease expired or was revoked; nothing was written under it' },
  { details: 'etcdserver: mvcc: database space exceeded', certainty: 'definite', why: 'the space quota refuses writes before they are proposed' },
  { details: 'etcdserver: request timed out', certainty: 'indeterminate', why: 'proposed; raft may still commit it' },
  { details: 'etcdserver: request timed out, possibly due to previous leader failure', certainty: 'indeterminate', why: 'proposed under a leader that failed' },
  { details: 'etcdserver: request timed out, possibly due to connection lost', certainty: 'indeterminate', why: 'proposed, then the peer link dropped' },
  { details: 'etcdserver: leader changed', certainty: 'indeterminate', why: 'proposed before an election' },
  { details: 'etcdserver: no leader', certainty: 'indeterminate', why: 'may have been proposed before the leader was lost' },
  { details: 'etcdserver: server stopped', certainty: 'indeterminate', why: 'the member stopped with the op in flight' },
];

// gRPC's own codes, for everything the table above does not name (transport errors, deadlines).
// Jepsen's rule: when unsure, indeterminate.
const definiteCodes: ReadonlySet<status> = new Set([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.FAILED_PRECONDITION,
  status.OUT_OF_RANGE,
  status.UNIMPLEMENTED,
  status.RESOURCE_EXHAUSTED,
  status.UNAUTHENTICATED,
]);

/** How certain it is that an op that ended with this status did not happen. */
export function certaintyOf(code: status, details: string): Certainty {
  const row = etcdErrorTable.find((entry) => details === entry.details || details.startsWith(`${entry.details}:`));
  if (row !== undefined) return row.certainty;
  return definiteCodes.has(code) ? 'definite' : 'indeterminate';
}

/**
 * The outcome an error gives an op. An op that changes nothing (a read) may always be `fail`:
 * whether it ran or not, the state is the same, so nothing later depends on it.
 */
export function outcomeOfError(code: status, details: string, readOnly: boolean): 'fail' | 'info' {
  if (readOnly) return 'fail';
  return certaintyOf(code, details) === 'definite' ? 'fail' : 'info';
}

/** The error's name in a history: the status name and etcd's words. */
export function errorText(code: status, details: string): string {
  const name = status[code] ?? `STATUS_${code}`;
  return details.length > 0 ? `${name}: ${details}` : name;
}

export type EtcdErrorCode = 'etcd-op-unencodable' | 'etcd-not-found' | 'etcd-no-peer-address';

/** An error of the etcd system itself (bad input, a member that does not start); one line, a literal code. */
export class EtcdSystemError extends Error {
  override readonly name = 'EtcdSystemError';
  constructor(readonly code: EtcdErrorCode, message: string) {
    super(`${code}: ${message}`);
  }
}

export function isEtcdSystemError(error: unknown, code?: EtcdErrorCode): error is EtcdSystemError {
  return error instanceof EtcdSystemError && (code === undefined || error.code === code);
}
