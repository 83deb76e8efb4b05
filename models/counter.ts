// Jepsen's counter checker, for a bank account treated as a counter (the crdt strategy's promise):
// every ok read lies between what was surely applied and what may have been. Deposits add, withdraws
// subtract; an op counts as sure once its ok came back before the read was invoked, and as possible
// once it was invoked before the read returned and did not definitely fail.
import { pairCalls } from './calls.js';
import type { Call } from './calls.js';
import type { History } from './history.js';
import type { Verdict } from './model.js';

export interface CounterResult {
  verdict: Verdict;
  reads: number;
  /** One sentence per read outside its bounds. */
  violations: string[];
}

function numberIn(value: unknown, name: string): number | undefined {
  const found = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  return typeof found === 'number' ? found : undefined;
}

/** The signed change an op makes to its account: +amount for a deposit, -amount for an applied withdraw. */
function delta(call: Call): number | undefined {
  const amount = numberIn(call.invoke, 'amount');
  if (amount === undefined) return undefined;
  if (call.f === 'deposit') return amount;
  if (call.f === 'withdraw') return call.completion === 'ok' && (call.value as { applied?: unknown } | undefined)?.applied === false ? 0 : -amount;
  return undefined;
}

/** Checks every ok query of every account against the bounds of the changes around it. */
export function checkCounter(history: History, initial: ReadonlyMap<string, number>): CounterResult {
  const calls = pairCalls(history);
  const violations: string[] = [];
  let reads = 0;
  for (const read of calls) {
    if (read.f !== 'query' || read.completion !== 'ok') continue;
    const account = (read.invoke as { account?: unknown }).account;
    const balance = numberIn(read.value, 'balance');
    if (typeof account !== 'string' || balance === undefined) continue;
    reads += 1;
    let low = initial.get(account) ?? 0;
    let high = low;
    for (const change of calls) {
      const amount = delta(change);
      if (amount === undefined || (change.invoke as { account?: unknown }).account !== account || change.completion === 'fail') continue;
      const sure = change.completion === 'ok' && change.return < read.call;
      const possible = change.call < read.return;
      if (sure) {
        low += amount;
        high += amount;
      } else if (possible) {
        if (amount < 0) low += amount;
        else high += amount;
      }
    }
    if (balance < low || balance > high) violations.push(`op ${read.index} read ${account} = ${balance}, outside [${low}, ${high}]`);
  }
  return { verdict: violations.length > 0 ? 'illegal' : 'ok', reads, violations };
}
