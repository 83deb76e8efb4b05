// What a receiver decides for an update from another branch: apply, stale, or a dead letter with its
// reason. Run: `npx vitest run lab/systems/bank/propagation/verdict.test.ts`.
import { describe, expect, it } from 'vitest';
import type { AccountRecord, Update } from '../store.js';
import { replicaVerdict } from './verdict.js';

const states = new Map<string, AccountRecord>([
  ['a1', { account: 'a1', balance: 10, version: 2 }],
  ['a2', { account: 'a2', balance: 0, version: 0 }],
]);
const current = (account: string): AccountRecord | undefined => states.get(account);
const ordered = { ordered: true };

function verdictOf(updates: Update[], key = 'b1/7', policy = ordered) {
  return replicaVerdict({ key, updates }, policy, current);
}

describe('replicaVerdict', () => {
  it('applies the next version of every account, a transfer included', () => {
    expect(verdictOf([{ account: 'a1', balance: 15, version: 3, delta: 5 }])).toEqual({ kind: 'apply' });
    expect(verdictOf([{ account: 'a1', balance: 6, version: 3, delta: -4 }, { account: 'a2', balance: 4, version: 1, delta: 4 }]))
      .toEqual({ kind: 'apply' });
  });

  it('calls an update every account already holds stale, and never rolls an account back', () => {
    expect(verdictOf([{ account: 'a1', balance: 10, version: 2, delta: 5 }])).toEqual({ kind: 'stale' });
    expect(verdictOf([{ account: 'a1', balance: 3, version: 1, delta: 3 }])).toEqual({ kind: 'stale' });
  });

  it('dead-letters gaps, half-held transfers, mismatched balances, unknown accounts and malformed updates', () => {
    const reasons = [
      verdictOf([{ account: 'a1', balance: 30, version: 5, delta: 5 }]),
      verdictOf([{ account: 'a1', balance: 10, version: 2, delta: -1 }, { account: 'a2', balance: 1, version: 1, delta: 1 }]),
      verdictOf([{ account: 'a1', balance: 99, version: 3, delta: 5 }]),
      verdictOf([{ account: 'a1', balance: -1, version: 3, delta: -11 }]),
      verdictOf([{ account: 'zz', balance: 1, version: 1, delta: 1 }]),
      verdictOf([]),
      verdictOf([{ account: 'a1', balance: 15, version: 3, delta: 5 }], ''),
      verdictOf([{ account: 'bad name', balance: 1, version: 1, delta: 1 }]),
      verdictOf([{ account: 'a1', balance: 1.5, version: 3, delta: 5 }]),
      verdictOf([{ account: 'a2', balance: 1, version: 0, delta: 1 }]),
      verdictOf([{ account: 'a2', balance: 1, version: 1, delta: 1 }, { account: 'a2', balance: 2, version: 2, delta: 1 }]),
    ].map((verdict) => (verdict.kind === 'dead-letter' ? verdict.reason : verdict.kind));
    expect(reasons).toEqual([
      'version gap on a1: holds 2, got 5',
      'some accounts already hold this update and others do not',
      'a1: balance does not match the delta',
      'a1 would go below zero',
      'unknown account zz',
      'the update changes no account',
      'the update has no usable idempotency key',
      "bad account name 'bad name'",
      'a1: balance, version and delta must be whole numbers',
      'a2: version 0 is below 1',
      'account a2 appears twice in one update',
    ]);
  });

  it('without order (unsafe, the no-dedup bug) writes any well-formed update on a known account', () => {
    const unordered = { ordered: false };
    expect(verdictOf([{ account: 'a1', balance: 3, version: 1, delta: 3 }], 'b1/7', unordered)).toEqual({ kind: 'apply' });
    expect(verdictOf([{ account: 'zz', balance: 1, version: 1, delta: 1 }], 'b1/7', unordered).kind).toBe('dead-letter');
  });
});
