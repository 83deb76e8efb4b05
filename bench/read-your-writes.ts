// bench/read-your-writes: poll against push (and the branch that waits, and point reads) on reading
// one's own write from another branch's replica. One client deposits at the sequencer b1 and at once
// queries at b2 with the version it got, again and again; under no fault, with 100 ms of latency on the
// b1-b2 links (the replica lags), and with b1-b2 cut for a third of the run. Per variant: the latency to
// see one's own write (the query's, p50/p99, answered reads), the reads answered, the calls per read
// and the bytes per read on the wire. Same plans, same seeds, one run.
// Run: npm run bench:read-your-writes [-- --rounds 40 --mode sim|real]
import { parseArgs } from 'node:util';
import { QueryReply, QueryRequest, WatchReply, WatchRequest } from '../proto/index.js';
import { defaultPlanConstraints, runSeeds } from '../lab/plan/index.js';
import type { FaultStep, Plan, PlanOp, Strategy } from '../lab/plan/index.js';
import { percentile, table } from '../lab/report/index.js';
import { ClusterPool, runPlan } from '../lab/run/index.js';
import type { RunMode } from '../lab/run/index.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' }, mode: { type: 'string', default: 'sim' } } });
const rounds = Number(values.rounds);
const mode = values.mode as RunMode;

const variants: { strategy: Strategy; name: string }[] = [
  { strategy: 'lock-free', name: 'point reads (b2 asks b1)' },
  { strategy: 'lock-free:reads=local+min-version', name: 'replica waits (min_version)' },
  { strategy: 'lock-free:reads=local+poll', name: 'poll (refuse, backoff)' },
  { strategy: 'lock-free:reads=local+push', name: 'push (Watch)' },
];

function planOf(faults: FaultStep[], label: string): Plan {
  const steps: PlanOp[][] = [];
  for (let round = 0; round < rounds; round += 1) {
    steps.push([{ f: 'deposit', client: 0, branch: 'b1', retries: 0, account: 'a1', amount: 1, requestId: `r${round}` }]);
    steps.push([{ f: 'query', client: 0, branch: 'b2', retries: 0, account: 'a1' }]);
  }
  return {
    version: 1, seed: 0, path: label, constraints: { ...defaultPlanConstraints, faults: faults.length === 0 ? 'none' : 'light' },
    workload: { branches: ['b1', 'b2', 'b3'], accounts: [{ account: 'a1', balance: 0 }], clients: 1, steps },
    faultSchedule: faults,
  };
}

const conditions: { name: string; plan: Plan }[] = [
  { name: 'no fault', plan: planOf([], '0') },
  {
    name: 'b1-b2 latency 100 ms',
    plan: planOf([{ atStep: 0, healAtStep: 2 * rounds, fault: { kind: 'toxic', toxic: { kind: 'latency', latencyMs: 100, jitterMs: 0 }, stream: 'both', links: ['b1-b2', 'b2-b1'] } }], '1'),
  },
  {
    name: 'b1-b2 cut for a third',
    plan: planOf([{ atStep: 2 * Math.floor(rounds / 3), healAtStep: 2 * Math.floor((2 * rounds) / 3), fault: { kind: 'partition', mode: 'symmetric', from: ['b1'], to: ['b2'], links: ['b1-b2', 'b2-b1'] } }], '2'),
  },
];

/** Bytes on the wire of one read by each path: the request and the one answer (a poll repeats both). */
const queryBytes = QueryRequest.encode({ clientId: 'bench/c0', account: 'a1', minVersion: 40, refuseIfBehind: true }).finish().length
  + QueryReply.encode({ balance: 40, version: 40 }).finish().length;
const watchBytes = WatchRequest.encode({ clientId: 'bench/c0', account: 'a1', minVersion: 40 }).finish().length
  + WatchReply.encode({ balance: 40, version: 40 }).finish().length;

const rows: string[][] = [['condition', 'variant', 'reads answered', 'see own write p50 ms', 'p99 ms', 'calls per read', 'bytes per read']];
const started = performance.now();
for (const condition of conditions) {
  for (const variant of variants) {
    const pool = new ClusterPool({ mode, strategy: variant.strategy, bug: undefined, proxy: 'embedded', reuse: true, announce: () => undefined });
    try {
      const result = await runPlan({ plan: condition.plan, seeds: runSeeds(14, 0), pool });
      const invokes = new Map(result.history.filter((event) => event.type === 'invoke').map((event) => [event.process, event.time]));
      const latencies: number[] = [];
      const calls: number[] = [];
      let reads = 0;
      let lastInvoke = new Map<number, number>();
      for (const event of result.history) {
        if (event.f !== 'query') continue;
        if (event.type === 'invoke') {
          lastInvoke.set(event.process, event.time);
          reads += 1;
          continue;
        }
        if (event.type !== 'ok') continue;
        latencies.push((event.time - (lastInvoke.get(event.process) ?? invokes.get(event.process) ?? event.time)) / 1e6);
        const polls = (event.value as { polls?: unknown }).polls;
        calls.push(typeof polls === 'number' ? polls : 1);
      }
      latencies.sort((a, b) => a - b);
      const callsPerRead = calls.reduce((sum, count) => sum + count, 0) / Math.max(1, calls.length);
      const bytes = (variant.strategy.endsWith('push') ? watchBytes : queryBytes) * callsPerRead;
      rows.push([
        condition.name, variant.name, `${latencies.length}/${reads}`, percentile(latencies, 0.5).toFixed(1), percentile(latencies, 0.99).toFixed(1),
        callsPerRead.toFixed(2), bytes.toFixed(0),
      ]);
      lastInvoke = new Map();
    } finally {
      await pool.close();
    }
  }
}
process.stdout.write(`bench:read-your-writes, ${rounds} rounds of deposit at b1 then query at b2, mode ${mode}, ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${table(rows)}\n`);
process.stdout.write('calls and bytes per answered read (protobuf payloads, no HTTP/2 framing); a failed read made calls until its deadline.\n');
