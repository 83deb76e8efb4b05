// One test per row of the etcd error table the client relies on, and the gRPC fallbacks.
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { certaintyOf, errorText, etcdErrorTable, outcomeOfError } from './errors.js';

describe("etcd's error table", () => {
  it.each(etcdErrorTable.map((row) => [row.details, row.certainty] as const))('%s is %s', (details, certainty) => {
    // etcd sends these with codes that would say otherwise on their own (UNAVAILABLE, RESOURCE_EXHAUSTED, NOT_FOUND).
    for (const code of [status.UNAVAILABLE, status.RESOURCE_EXHAUSTED, status.NOT_FOUND]) expect(certaintyOf(code, details)).toBe(certainty);
  });

  it('reads etcd words with an added cause as the same row', () => {
    expect(certaintyOf(status.UNAVAILABLE, 'etcdserver: too many requests: applied index lag')).toBe('definite');
  });

  it.each([
    [status.DEADLINE_EXCEEDED, 'indeterminate'],
    [status.UNAVAILABLE, 'indeterminate'],
    [status.CANCELLED, 'indeterminate'],
    [status.UNKNOWN, 'indeterminate'],
    [status.INTERNAL, 'indeterminate'],
    [status.INVALID_ARGUMENT, 'definite'],
    [status.FAILED_PRECONDITION, 'definite'],
    [status.NOT_FOUND, 'definite'],
  ] as const)('falls back to gRPC code %i: %s', (code, certainty) => {
    expect(certaintyOf(code, 'No connection established')).toBe(certainty);
  });

  it('makes a write fail or info by the table, and a read always fail', () => {
    expect(outcomeOfError(status.DEADLINE_EXCEEDED, 'Deadline exceeded', false)).toBe('info');
    expect(outcomeOfError(status.UNAVAILABLE, 'etcdserver: too many requests', false)).toBe('fail');
    expect(outcomeOfError(status.DEADLINE_EXCEEDED, 'Deadline exceeded', true)).toBe('fail');
  });

  it("names an error by its status and etcd's words", () => {
    expect(errorText(status.UNAVAILABLE, 'etcdserver: no leader')).toBe('UNAVAILABLE: etcdserver: no leader');
    expect(errorText(status.CANCELLED, '')).toBe('CANCELLED');
  });
});
