// bench/propagation: the four figures seed 004 asks of branch-to-branch propagation: the p99 ack
// latency, the reconnection latency (fault healed to first new ack), the outbox drain rate after a
// 30 s partition under steady load, and the dedup store's size by ops and by window.
// Run: npm run bench:propagation [-- --rate 200 --partition-s 30 --trials 5 --seed 4]
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dedupPurgeEveryMsMax, dedupPurgeRowsMax } from '../lab/systems/bank/index.js';
import { databasePath, Store } from '../lab/systems/bank/index.js';
import { realClock } from '../lab/cluster/index.js';
import { table } from '../lab/report/index.js';
import { linkName, percentile, sleep, startRig } from './propagation-harness.js';
import type { Rig } from './propagation-harness.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '4' },
    rate: { type: 'string', default: '200' },
    'partition-s': { type: 'string', default: '30' },
    trials: { type: 'string', default: '5' },
    'latency-s': { type: 'string', default: '8' },
  },
});
const seed = Number(values.seed);
const drainRate = Number(values.rate);
const partitionMs = Number(values['partition-s']) * 1000;
const trials = Number(values.trials);
const latencyMs = Number(values['latency-s']) * 1000;
const latencyRates = [100, 1000];
const outageMs = 2_000;
const healWaitMsMax = 30_000;
const reconnectRate = 100;

const fixed = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');

async function ackLatency(rig: Rig, rate: number): Promise<string[]> {
  const from = rig.load.acks.length;
  rig.load.start(rate);
  await sleep(latencyMs);
  rig.load.stop();
  await rig.load.acked(rig.load.lastSequence, healWaitMsMax);
  const latencies = rig.load.acks.slice(from).map((ack) => ack.ackedMs - ack.committedMs).sort((a, b) => a - b);
  return [`${rate}/s`, String(latencies.length), fixed(percentile(latencies, 0.5), 2), fixed(percentile(latencies, 0.9), 2), fixed(percentile(latencies, 0.99), 2), fixed(latencies.at(-1) ?? Number.NaN, 2)];
}

interface Fault {
  name: string;
  apply(rig: Rig): Promise<void>;
  heal(rig: Rig): Promise<void>;
}

const faults: Fault[] = [
  {
    name: 'partition (proxy disabled)',
    apply: async (rig) => void (await rig.proxy.adapter.setEnabled(linkName, false)),
    heal: async (rig) => void (await rig.proxy.adapter.setEnabled(linkName, true)),
  },
  {
    name: 'half-open (timeout 0 both ways)',
    apply: async (rig) => {
      for (const stream of ['upstream', 'downstream'] as const) {
        await rig.proxy.adapter.addToxic(linkName, { name: `hole-${stream}`, type: 'timeout', stream, attributes: { timeout: 0 } });
      }
    },
    heal: async (rig) => {
      for (const stream of ['upstream', 'downstream'] as const) await rig.proxy.adapter.removeToxic(linkName, `hole-${stream}`);
    },
  },
  {
    name: 'reset_peer (timeout 0)',
    apply: async (rig) => void (await rig.proxy.adapter.addToxic(linkName, { name: 'reset', type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } })),
    heal: async (rig) => rig.proxy.adapter.removeToxic(linkName, 'reset'),
  },
];

/** From the heal to the first ack of an update committed while the link was down. */
async function reconnection(rig: Rig, fault: Fault): Promise<string[]> {
  const measured: number[] = [];
  rig.load.start(reconnectRate);
  for (let trial = 0; trial < trials; trial += 1) {
    await sleep(500);
    await fault.apply(rig);
    const cutSequence = rig.load.lastSequence;
    await sleep(outageMs);
    const healedMs = performance.now();
    await fault.heal(rig);
    const ack = await rig.load.acked(cutSequence + 1, healWaitMsMax);
    if (ack !== undefined) measured.push(Math.max(0, ack.ackedMs - healedMs));
  }
  rig.load.stop();
  await rig.load.acked(rig.load.lastSequence, healWaitMsMax);
  const sorted = [...measured].sort((a, b) => a - b);
  return [fault.name, `${measured.length}/${trials}`, fixed(percentile(sorted, 0.5), 0), fixed(sorted.at(-1) ?? Number.NaN, 0)];
}

/** Steady load through a partition of partitionMs, then the time the backlog takes to drain. */
async function drain(rig: Rig): Promise<string[]> {
  rig.load.start(drainRate);
  await sleep(1_000);
  await rig.proxy.adapter.setEnabled(linkName, false);
  await sleep(partitionMs);
  const backlog = rig.store.outbox(['b2']);
  const bytes = rig.store.outboxUsage().bytes;
  const healSequence = rig.load.lastSequence;
  const healedMs = performance.now();
  await rig.proxy.adapter.setEnabled(linkName, true);
  const ack = await rig.load.acked(healSequence, healWaitMsMax);
  const drainedMs = ack === undefined ? Number.NaN : ack.ackedMs - healedMs;
  rig.load.stop();
  await rig.load.acked(rig.load.lastSequence, healWaitMsMax);
  const newDuringDrain = (drainRate * drainedMs) / 1000;
  return [
    `${drainRate}/s`, `${partitionMs / 1000} s`, String(backlog), String(bytes), fixed(drainedMs, 0),
    fixed(backlog / (drainedMs / 1000), 0), fixed((backlog + newDuringDrain) / (drainedMs / 1000), 0),
  ];
}

/** Dedup rows and bytes after `ops` updates at 1 000 per simulated second, purged as a branch purges. */
function dedupSizes(windowMs: number, checkpoints: number[]): string[][] {
  const directory = mkdtempSync(join('/dev/shm', 'faultline-bench-dedup-'));
  const store = Store.open(directory, [{ account: 'a1', balance: 0 }], realClock);
  const reader = new Database(databasePath(directory), { readonly: true });
  const purgeEveryMs = Math.min(dedupPurgeEveryMsMax, Math.ceil(windowMs / 4));
  const rows: string[][] = [];
  let nextPurgeMs = purgeEveryMs;
  const last = Math.max(...checkpoints);
  for (let op = 1; op <= last; op += 1) {
    const nowMs = op; // one op per simulated millisecond
    const update = { account: 'a1', balance: op, version: op, delta: 1 };
    store.applyReplica({ origin: 'b1', sequence: op, key: `b1/${op}`, requestId: `r${op}`, updates: [update] }, { dedup: true, ordered: true }, nowMs);
    if (nowMs >= nextPurgeMs) {
      while (store.purgeDedup(nowMs - windowMs, dedupPurgeRowsMax) === dedupPurgeRowsMax);
      nextPurgeMs += purgeEveryMs;
    }
    if (!checkpoints.includes(op)) continue;
    const pages = reader.prepare("SELECT COALESCE(SUM(pgsize), 0) AS bytes FROM dbstat WHERE name IN ('dedup', 'dedup_by_age', 'sqlite_autoindex_dedup_1')").get() as { bytes: number };
    rows.push([`${windowMs / 1000} s`, String(op), String(store.dedupSize()), String(Math.min(op, windowMs + purgeEveryMs)), fixed(pages.bytes / 1024, 0)]);
  }
  reader.close();
  store.close();
  rmSync(directory, { recursive: true, force: true });
  return rows;
}

const rig = await startRig(seed);
console.log(`bench:propagation  seed ${seed}; proxy: ${rig.proxy.description}`);
console.log('receiver: a real `faultline node` b2; sender: the node\'s Store and Replication in this process\n');
try {
  console.log('1. ack latency (commit at the sender to its ack, through the proxy, no faults)');
  const latencyRows = [];
  for (const rate of latencyRates) latencyRows.push(await ackLatency(rig, rate));
  console.log(`${table([['load', 'acks', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], ...latencyRows])}\n`);

  console.log(`2. reconnection latency (fault healed to the first ack of an update committed during a ${outageMs / 1000} s outage, load ${reconnectRate}/s)`);
  const reconnectRows = [];
  for (const fault of faults) reconnectRows.push(await reconnection(rig, fault));
  console.log(`${table([['fault', 'healed', 'median ms', 'max ms'], ...reconnectRows])}\n`);

  console.log('3. drain after a partition under steady load (the load keeps running while it drains)');
  console.log(`${table([['load', 'partition', 'backlog rows', 'backlog bytes', 'drain ms', 'backlog rows/s', 'gross rows/s'], await drain(rig)])}\n`);
} finally {
  await rig.stop();
}

console.log('4. dedup store size (1 000 updates per simulated second; purged every min(10 s, window/4), as a branch does)');
const sizeRows = [1_000, 10_000, 60_000].flatMap((windowMs) => dedupSizes(windowMs, [1_000, 10_000, 100_000]));
console.log(table([['window', 'ops', 'keys kept', 'bound rate x (window + purge)', 'KiB (table + indexes)'], ...sizeRows]));
