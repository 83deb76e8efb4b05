// bench/consistency-checkers: the checkers below linearizability on one 100,000-op bank history (10
// clients, 4 accounts, deposits, withdrawals and queries, every op overlapping its neighbours): session
// guarantees, staleness, counter bounds, sequential consistency, and the rung that runs them together.
// Issue 14's target: each at least 100,000 ops in under 5 s. Run: npm run bench:consistency-checkers [-- --ops 100000]
import { parseArgs } from 'node:util';
import { bankModel, checkCounter, checkSequential, checkSessionGuarantees, consistencyOf, measureStaleness } from '../models/index.js';
import type { History, HistoryEvent } from '../models/index.js';
import { table } from '../lab/report/index.js';

const { values } = parseArgs({ options: { ops: { type: 'string', default: '100000' } } });
const opsCount = Number(values.ops);
const accounts = ['a1', 'a2', 'a3', 'a4'];
const clients = 10;
const targetMs = 5_000;

/** A history that a sequential execution produced, each op's interval overlapping the next few. */
function history(): History {
  const balances = new Map(accounts.map((account) => [account, 1_000]));
  const versions = new Map(accounts.map((account) => [account, 0]));
  const events: HistoryEvent[] = [];
  let state = 7;
  const next = (): number => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state;
  };
  const pending: HistoryEvent[] = [];
  for (let op = 0; op < opsCount; op += 1) {
    const process = op % clients;
    const account = accounts[next() % accounts.length] as string;
    const kind = next() % 3;
    const time = op * 1_000;
    const balance = balances.get(account) as number;
    const version = versions.get(account) as number;
    let f: 'deposit' | 'withdraw' | 'query';
    let input: Record<string, unknown>;
    let output: Record<string, unknown>;
    if (kind === 0) {
      f = 'deposit';
      input = { account, amount: 5, requestId: `r${op}` };
      balances.set(account, balance + 5);
      versions.set(account, version + 1);
      output = { balance: balance + 5, version: version + 1 };
    } else if (kind === 1) {
      f = 'withdraw';
      input = { account, amount: 3, requestId: `r${op}` };
      balances.set(account, balance - 3);
      versions.set(account, version + 1);
      output = { applied: true, balance: balance - 3, version: version + 1 };
    } else {
      f = 'query';
      input = { account };
      output = { balance, version };
    }
    // Each client has one op open: the previous one of this client completes before its next invoke.
    const open = pending[process];
    if (open !== undefined) events.push({ ...open, index: events.length, time: time - 1 });
    events.push({ index: events.length, process, type: 'invoke', f, value: input, time });
    pending[process] = { index: 0, process, type: 'ok', f, value: { ...input, ...output }, time: 0 };
  }
  for (const open of pending) if (open !== undefined) events.push({ ...open, index: events.length, time: opsCount * 1_000 });
  return events;
}

function timed<T>(work: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = work();
  return { ms: performance.now() - started, value };
}

const built = timed(history);
const events = built.value;
const model = bankModel(accounts.map((account) => ({ account, balance: 1_000 })));
const initial = new Map(accounts.map((account) => [account, 1_000]));
const rows: string[][] = [['checker', 'ops', 'ms', 'verdict', `under ${targetMs / 1000} s`]];
const runs: [string, () => string][] = [
  ['session guarantees', () => checkSessionGuarantees(events).verdict],
  ['staleness', () => `${measureStaleness(events).stale.length} stale`],
  ['counter bounds', () => checkCounter(events, initial).verdict],
  ['sequential consistency', () => checkSequential(model, events, { stepsMax: 10 * opsCount }).verdict],
  ['the rung (session, staleness; linearizability given)', () => consistencyOf(events, { linearizable: 'illegal', sequential: 'illegal', converged: 'ok' }).rung],
];
for (const [name, run] of runs) {
  const { ms, value } = timed(run);
  rows.push([name, String(opsCount), ms.toFixed(0), value, ms < targetMs ? 'yes' : 'NO']);
}
process.stdout.write(`bench:consistency-checkers: a ${opsCount}-op history (${events.length} events, built in ${built.ms.toFixed(0)} ms)\n${table(rows)}\n`);
