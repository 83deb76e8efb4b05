// Staleness of a bank history's reads: for every ok query, how many versions and how many milliseconds
// it lagged behind the newest write acknowledged before it was invoked. A linearizable history has
// none; replica reads and caches show how far behind they serve. Pure; needs versions in ok values.
import { pairCalls } from './calls.js';
import type { Call } from './calls.js';
import type { History } from './history.js';
import { touches } from './session.js';

export interface StaleRead {
  /** The read's history index. */
  index: number;
  account: string;
  versionsBehind: number;
  msBehind: number;
}

export interface Staleness {
  reads: number;
  stale: StaleRead[];
  versionsBehind: { p50: number; p99: number; max: number };
  msBehind: { p50: number; p99: number; max: number };
}

interface Ack {
  version: number;
  /** When the write's ok came back, in history time (ns). */
  time: number;
}

function timeAt(history: History, position: number): number {
  const time = history[position]?.time;
  return typeof time === 'number' ? time : position;
}

function spread(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number): number => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] as number));
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}

function writesByAccount(history: History, calls: readonly Call[]): Map<string, Ack[]> {
  const acks = new Map<string, Ack[]>();
  for (const call of calls) {
    if (call.completion !== 'ok') continue;
    for (const touch of touches(call) ?? []) {
      if (touch.kind !== 'write') continue;
      if (!acks.has(touch.account)) acks.set(touch.account, []);
      acks.get(touch.account)?.push({ version: touch.version, time: timeAt(history, call.return) });
    }
  }
  return acks;
}

/** Every ok query's lag; reads of a version no acknowledged write had passed are not stale. */
export function measureStaleness(history: History): Staleness {
  const calls = pairCalls(history);
  const acks = writesByAccount(history, calls);
  const stale: StaleRead[] = [];
  let reads = 0;
  for (const call of calls) {
    if (call.completion !== 'ok' || call.f !== 'query') continue;
    const [touch] = touches(call) ?? [];
    if (touch === undefined) continue;
    reads += 1;
    const invoked = timeAt(history, call.call);
    const before = (acks.get(touch.account) ?? []).filter((ack) => ack.time < invoked);
    const newer = before.filter((ack) => ack.version > touch.version);
    if (newer.length === 0) continue;
    const newest = Math.max(...newer.map((ack) => ack.version));
    const firstMissed = Math.min(...newer.map((ack) => ack.time));
    stale.push({ index: call.index, account: touch.account, versionsBehind: newest - touch.version, msBehind: (invoked - firstMissed) / 1e6 });
  }
  const all = (pick: (read: StaleRead) => number): number[] => [...stale.map(pick), ...Array.from({ length: reads - stale.length }, () => 0)];
  return { reads, stale, versionsBehind: spread(all((read) => read.versionsBehind)), msBehind: spread(all((read) => read.msBehind)) };
}
