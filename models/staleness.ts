// Staleness of a bank history's reads: for every ok query, how many versions and how many milliseconds
// it lagged behind the newest write acknowledged before it was invoked. A linearizable history has
// none; replica reads and caches show how far behind they serve. Pure; needs versions in ok values.
// "Before" is the history's order, not its clock: a simulated client invokes its next op at the very
// instant its last one returned, and that read still comes after the write.
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
  /** Where the write's ok stands in the history. */
  position: number;
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

/** Per account, the acknowledged writes in the order their acks came back, with the running maximum of their versions. */
interface AckLine {
  positions: number[];
  times: number[];
  /** prefixMax[j]: the newest version among the first j + 1 acks. Never decreases, so it can be searched. */
  prefixMax: number[];
}

function writesByAccount(history: History, calls: readonly Call[]): Map<string, AckLine> {
  const acks = new Map<string, Ack[]>();
  for (const call of calls) {
    if (call.completion !== 'ok') continue;
    for (const touch of touches(call) ?? []) {
      if (touch.kind !== 'write') continue;
      if (!acks.has(touch.account)) acks.set(touch.account, []);
      acks.get(touch.account)?.push({ version: touch.version, position: call.return, time: timeAt(history, call.return) });
    }
  }
  const lines = new Map<string, AckLine>();
  for (const [account, list] of acks) {
    list.sort((a, b) => a.position - b.position);
    const prefixMax: number[] = [];
    for (const ack of list) prefixMax.push(Math.max(ack.version, prefixMax.at(-1) ?? -Infinity));
    lines.set(account, { positions: list.map((ack) => ack.position), times: list.map((ack) => ack.time), prefixMax });
  }
  return lines;
}

/** The first position in an ascending list whose value passes `above` (the list's length if none). */
function firstAbove(sorted: readonly number[], above: (value: number) => boolean, end = sorted.length): number {
  let low = 0;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (above(sorted[middle] as number)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Every ok query's lag; reads of a version no acknowledged write had passed are not stale. O(n log n). */
export function measureStaleness(history: History): Staleness {
  const calls = pairCalls(history);
  const lines = writesByAccount(history, calls);
  const stale: StaleRead[] = [];
  let reads = 0;
  for (const call of calls) {
    if (call.completion !== 'ok' || call.f !== 'query') continue;
    const [touch] = touches(call) ?? [];
    if (touch === undefined) continue;
    reads += 1;
    const invoked = timeAt(history, call.call);
    const line = lines.get(touch.account);
    if (line === undefined) continue;
    // The acks that came back before the read was invoked, and among them the first that passed its version.
    const before = firstAbove(line.positions, (position) => position > call.call);
    if (before === 0 || (line.prefixMax[before - 1] as number) <= touch.version) continue;
    const firstMissed = line.times[firstAbove(line.prefixMax, (version) => version > touch.version, before)] as number;
    const newest = line.prefixMax[before - 1] as number;
    stale.push({ index: call.index, account: touch.account, versionsBehind: newest - touch.version, msBehind: Math.max(0, invoked - firstMissed) / 1e6 });
  }
  const all = (pick: (read: StaleRead) => number): number[] => [...stale.map(pick), ...Array.from({ length: reads - stale.length }, () => 0)];
  return { reads, stale, versionsBehind: spread(all((read) => read.versionsBehind)), msBehind: spread(all((read) => read.msBehind)) };
}
