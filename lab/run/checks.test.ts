// resolveUnknowns: an info mutation that no replica applied is resolved as fail (lock, lock-free only).
import { describe, expect, it } from 'vitest';
import type { BranchState, History } from '../../models/history.js';
import { judge, resolveUnknowns } from './checks.js';

const history: History = [
  { index: 0, process: 0, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r0' }, time: 1 },
  { index: 1, process: 1, type: 'invoke', f: 'deposit', value: { account: 'a1', amount: 7, requestId: 'r1' }, time: 2 },
  { index: 2, process: 0, type: 'info', f: 'deposit', value: { account: 'a1', amount: 5, requestId: 'r0' }, time: 3 },
  { index: 3, process: 1, type: 'info', f: 'deposit', value: { account: 'a1', amount: 7, requestId: 'r1' }, time: 4 },
  { index: 4, process: 2, type: 'invoke', f: 'query', value: { account: 'a1' }, time: 5 },
  { index: 5, process: 2, type: 'ok', f: 'query', value: { account: 'a1', balance: 7 }, time: 6 },
];

function state(branch: string): BranchState {
  return { branch, accounts: { a1: { balance: 7, version: 1 } }, applied: [{ requestId: 'r1', account: 'a1', times: 1 }], deadLetters: 0, outbox: 0 };
}

describe('resolveUnknowns', () => {
  it('turns an info op whose request id never applied into fail, and keeps the applied one info', () => {
    const resolved = resolveUnknowns(history, [state('b1'), state('b2')], 'lock');
    expect(resolved[2]?.type).toBe('fail');
    expect(resolved[3]?.type).toBe('info');
    expect(resolved[4]).toBe(history[4]);
  });

  it('leaves unsafe histories alone: nothing there promises one application', () => {
    expect(resolveUnknowns(history, [state('b1')], 'unsafe')).toBe(history);
  });

  it('still judges the run by the real outcome: the read of 7 is legal once r0 is known not to have happened', () => {
    const limits = { checkerMsMax: 1_000, checkerCacheEntriesMax: 10_000, quiescenceMsMax: 0 };
    const judgement = judge(history, [{ account: 'a1', balance: 0 }], [state('b1'), state('b2')], 'lock', limits);
    expect(judgement.verdict).toBe('ok');
    const wrong = { ...state('b1'), accounts: { a1: { balance: 12, version: 2 } } };
    expect(judge(history, [{ account: 'a1', balance: 0 }], [wrong, state('b2')], 'lock', limits).violations).toContain('convergence');
  });
});
