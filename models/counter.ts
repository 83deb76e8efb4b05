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

/** Sums of the changes of one account by a time key: the first k of them, ascending by that key. */
interface Running {
  keys: number[];
  /** sums[k]: the sum of the first k changes' amounts (sums[0] = 0). */
  sums: number[];
}

function running(entries: { key: number; amount: number }[]): Running {
  entries.sort((a, b) => a.key - b.key);
  const sums = [0];
  for (const entry of entries) sums.push((sums.at(-1) as number) + entry.amount);
  return { keys: entries.map((entry) => entry.key), sums };
}

/** The sum of the changes whose key is below `limit`. */
function sumBelow(line: Running | undefined, limit: number): number {
  if (line === undefined) return 0;
  let low = 0;
  let high = line.keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((line.keys[middle] as number) < limit) low = middle + 1;
    else high = middle;
  }
  return line.sums[low] as number;
}

interface AccountChanges {
  /** ok changes by when their ok came back: sure for a read invoked after it, split by sign. */
  sureUp: Running;
  sureDown: Running;
  /** Changes not definitely failed, by when they were invoked: possible for a read that returned after it. */
  possibleUp: Running;
  possibleDown: Running;
}

function changesByAccount(calls: readonly Call[]): Map<string, AccountChanges> {
  const raw = new Map<string, { sureUp: { key: number; amount: number }[]; sureDown: { key: number; amount: number }[]; possibleUp: { key: number; amount: number }[]; possibleDown: { key: number; amount: number }[] }>();
  for (const change of calls) {
    const amount = delta(change);
    const account = (change.invoke as { account?: unknown }).account;
    if (amount === undefined || typeof account !== 'string' || change.completion === 'fail' || amount === 0) continue;
    let lists = raw.get(account);
    if (lists === undefined) {
      lists = { sureUp: [], sureDown: [], possibleUp: [], possibleDown: [] };
      raw.set(account, lists);
    }
    if (change.completion === 'ok') (amount > 0 ? lists.sureUp : lists.sureDown).push({ key: change.return, amount });
    (amount > 0 ? lists.possibleUp : lists.possibleDown).push({ key: change.call, amount });
  }
  return new Map([...raw].map(([account, lists]) => [account, {
    sureUp: running(lists.sureUp), sureDown: running(lists.sureDown), possibleUp: running(lists.possibleUp), possibleDown: running(lists.possibleDown),
  }]));
}

/**
 * Checks every ok query of every account against the bounds of the changes around it, by running
 * sums over the changes sorted by completion and by invocation: O(n log n). A sure change (ok before
 * the read was invoked) was also invoked before the read returned, so it is in the possible sums too.
 */
export function checkCounter(history: History, initial: ReadonlyMap<string, number>): CounterResult {
  const calls = pairCalls(history);
  const changes = changesByAccount(calls);
  const violations: string[] = [];
  let reads = 0;
  for (const read of calls) {
    if (read.f !== 'query' || read.completion !== 'ok') continue;
    const account = (read.invoke as { account?: unknown }).account;
    const balance = numberIn(read.value, 'balance');
    if (typeof account !== 'string' || balance === undefined) continue;
    reads += 1;
    const lines = changes.get(account);
    const start = initial.get(account) ?? 0;
    const sureUp = sumBelow(lines?.sureUp, read.call);
    const sureDown = sumBelow(lines?.sureDown, read.call);
    const low = start + sureUp + sumBelow(lines?.possibleDown, read.return);
    const high = start + sureDown + sumBelow(lines?.possibleUp, read.return);
    if (balance < low || balance > high) violations.push(`op ${read.index} read ${account} = ${balance}, outside [${low}, ${high}]`);
  }
  return { verdict: violations.length > 0 ? 'illegal' : 'ok', reads, violations };
}
