// The judge checks what the claims say: resolveUnknowns only where claimed, each invariant only where
// claimed, and the verdicts combined as the models combine them.
import { describe, expect, it } from 'vitest';
import type { BranchState, History } from './history.js';
import { judge, resolveUnknowns } from './judge.js';
import type { Claims } from './judge.js';

const history: History = [
  { index: 0, process: 0, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r0' }, time: 1 },
  { index: 1, process: 1, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 7, requestId: 'r1' }, time: 2 },
  { index: 2, process: 0, type: 'info', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r0' }, time: 3 },
  { index: 3, process: 1, type: 'info', f: 'deposit', value: { account: 'a1', amount: 7, requestId: 'r1' }, time: 4 },
  { index: 4, process: 2, type: 'invoke', f: 'query', value: { account: 'a1' }, time: 5 },
  { index: 5, process: 2, type: 'ok', f: 'query', value: { account: 'a1', balance: 7 }, time: 6 },
];

const everything: Claims = {
  linearizable: true, conservation: true, nonNegative: true, convergence: true, liveness: true,
  exactlyOnce: true, noDeadLetters: true, resolvesUnknownByAppliedSet: true,
};
const naive: Claims = { ...everything, exactlyOnce: false, noDeadLetters: false, resolvesUnknownByAppliedSet: false };
const limits = { checkerMsMax: 1_000, checkerCacheEntriesMax: 10_000, quiescenceMs: 0 };

function state(branch: string): BranchState {
  return { branch, accounts: { a1: { balance: 7, version: 1 } }, applied: [{ requestId: 'r1', account: 'a1', times: 1 }], deadLetters: 0, outbox: 0 };
}

describe('resolveUnknowns', () => {
  it('turns an info op whose request id never applied into fail, and keeps the applied one info', () => {
    const resolved = resolveUnknowns(history, [state('b1'), state('b2')], everything);
    expect(resolved[2]?.type).toBe('fail');
    expect(resolved[3]?.type).toBe('info');
    expect(resolved[4]).toBe(history[4]);
  });

  it('leaves a history alone where nothing promises one application', () => {
    expect(resolveUnknowns(history, [state('b1')], naive)).toBe(history);
  });
});

describe('judge', () => {
  it('still judges the run by the real outcome: the read of 7 is legal once r0 is known not to have happened', () => {
    const accounts = [{ account: 'a1', balance: 0 }];
    expect(judge({ history, accounts, finalStates: [state('b1'), state('b2')], claims: everything }, limits).verdict).toBe('ok');
    const wrong = { ...state('b1'), accounts: { a1: { balance: 12, version: 2 } } };
    expect(judge({ history, accounts, finalStates: [wrong, state('b2')], claims: everything }, limits).violations).toContain('convergence');
  });

  it('runs exactly the claimed checks', () => {
    const input = { history, accounts: [{ account: 'a1', balance: 0 }], finalStates: [state('b1')] };
    const kinds = (claims: Claims): string[] => judge({ ...input, claims }, limits).checks.map((check) => check.kind);
    expect(kinds(everything)).toEqual(['linearizability', 'conservation', 'non-negative', 'convergence', 'exactly-once', 'dead-letters', 'liveness']);
    expect(kinds(naive)).toEqual(['linearizability', 'conservation', 'non-negative', 'convergence', 'liveness']);
    expect(kinds({ ...naive, linearizable: false, liveness: false })).toEqual(['conservation', 'non-negative', 'convergence']);
  });

  it('finds the dead letter only where no dead letters are claimed', () => {
    const dead = { ...state('b1'), deadLetters: 2 };
    const input = { history, accounts: [{ account: 'a1', balance: 0 }], finalStates: [dead] };
    expect(judge({ ...input, claims: everything }, limits).violations).toContain('dead-letters');
    expect(judge({ ...input, claims: naive }, limits).violations).not.toContain('dead-letters');
  });
});
