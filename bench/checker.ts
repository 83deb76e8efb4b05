// Benchmark of the linearizability checker against Porcupine's published figures on this machine:
// 102 etcd-shaped register histories (5 processes, about 85 ops, a few :info timeouts) and the
// 50-process, 10-key kv history of about 1,700 ops (ok, and with one corrupted get).
// Run: `npm run bench:checker` [-- --seed N] [-- --etcd-logs DIR to also time Porcupine's own etcd logs].
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import seedrandom from 'seedrandom';
import { checkLinearizable, kvModel, parseHistory, registerModel } from '../models/index.js';
import type { History, HistoryEvent, LinearizabilityResult } from '../models/index.js';

/** Porcupine (Go) on this 2-core machine, from the issue. */
const porcupine = { etcdTotalMs: 650, etcdMedianMs: 0.2, etcdWorstMs: 217, kvOkMs: 225, kvIllegalMs: 38 };
const etcdHistories = 102;
const etcdProcesses = 5;
const kvProcesses = 50;
const kvKeys = 10;
const kvOperations = 1_700;
const timeoutMs = 60_000;
const warmPasses = 3;

type Random = () => number;

interface PlannedOperation {
  process: number;
  f: string;
  input: unknown;
  call: number;
  point: number;
  end: number;
  /** 'ok', or 'info' that took effect at its point, or 'info' that never did. */
  outcome: 'ok' | 'info-applied' | 'info-skipped';
  output?: unknown;
}

type Completion = Pick<HistoryEvent, 'type' | 'value'>;

function toHistory(operations: PlannedOperation[], completion: (operation: PlannedOperation) => Completion): History {
  const events: (HistoryEvent & { at: number })[] = [];
  for (const operation of operations) {
    events.push({ index: 0, process: operation.process, type: 'invoke', f: operation.f, value: operation.input, time: 0, at: operation.call });
    const { type, value } = operation.outcome === 'ok' ? completion(operation) : { type: 'info' as const, value: operation.input };
    events.push({ index: 0, process: operation.process, type, f: operation.f, value, time: 0, at: operation.end });
  }
  events.sort((a, b) => a.at - b.at);
  return events.map(({ at, ...event }, index) => ({ ...event, index, time: Math.round(at * 1_000_000) }));
}

/** Each client runs its operations one after another; a timeout retires it and a new process takes over. */
function schedule(random: Random, clients: number, count: number, timeoutChance: number, next: (process: number, client: number) => { f: string; input: unknown }): PlannedOperation[] {
  const operations: PlannedOperation[] = [];
  const clock = Array.from({ length: clients }, () => random() * 2);
  const processOf = Array.from({ length: clients }, (_, client) => client);
  for (let made = 0; made < count; made += 1) {
    const client = clock.indexOf(Math.min(...clock));
    const call = (clock[client] as number) + random() * 0.5;
    const timedOut = random() < timeoutChance;
    const latency = timedOut ? 5 + random() * 5 : 0.2 + random() * 3;
    const process = processOf[client] as number;
    const outcome = timedOut ? (random() < 0.5 ? 'info-applied' : 'info-skipped') : 'ok';
    operations.push({ process, ...next(process, client), call, point: call + random() * latency, end: call + latency, outcome });
    clock[client] = call + latency;
    if (timedOut) processOf[client] = process + clients;
  }
  return operations;
}

/** Applies operations in the order of their points, so the history is linearizable by construction. */
function execute<State>(operations: PlannedOperation[], initial: State, apply: (state: State, operation: PlannedOperation) => { state: State; output: unknown }): void {
  let state = initial;
  for (const operation of [...operations].sort((a, b) => a.point - b.point)) {
    if (operation.outcome === 'info-skipped') continue;
    const result = apply(state, operation);
    state = result.state;
    operation.output = result.output;
  }
}

function etcdHistory(random: Random, corrupt: boolean): History {
  const count = 70 + Math.floor(random() * 31);
  const operations = schedule(random, etcdProcesses, count, 0.04, () => {
    const pick = random();
    const value = Math.floor(random() * 5);
    if (pick < 0.34) return { f: 'read', input: null };
    if (pick < 0.67) return { f: 'write', input: value };
    return { f: 'cas', input: [value, Math.floor(random() * 5)] };
  });
  execute<number | null>(operations, null, (state, operation) => {
    if (operation.f === 'read') return { state, output: state };
    if (operation.f === 'write') return { state: operation.input as number, output: operation.input };
    const [expected, value] = operation.input as [number, number];
    return state === expected ? { state: value, output: 'swapped' } : { state, output: 'failed' };
  });
  if (corrupt) {
    const reads = operations.filter((operation) => operation.f === 'read' && operation.outcome === 'ok');
    const victim = reads[Math.floor(reads.length * (0.5 + random() * 0.5))];
    if (victim !== undefined) victim.output = ((victim.output as number | null) ?? 0) + 1 + Math.floor(random() * 4);
  }
  // A cas that found another value fails, as Jepsen's etcd client reports it (Porcupine's reading).
  return toHistory(operations, (operation) => {
    if (operation.f !== 'cas') return { type: 'ok', value: operation.output };
    return { type: operation.output === 'failed' ? 'fail' : 'ok', value: operation.input };
  });
}

/** `corruptAt` places one corrupted get at that fraction of the gets (undefined: none). */
function kvHistory(random: Random, corruptAt: number | undefined): History {
  const sequence = new Array<number>(kvProcesses).fill(0);
  const operations = schedule(random, kvProcesses, kvOperations, 0, (process) => {
    const key = String(Math.floor(random() * kvKeys));
    const pick = random();
    if (pick < 0.45) return { f: 'get', input: { key, value: null } };
    const value = `x ${process} ${sequence[process % kvProcesses]} y`;
    sequence[process % kvProcesses] = (sequence[process % kvProcesses] as number) + 1;
    return { f: pick < 0.55 ? 'put' : 'append', input: { key, value } };
  });
  execute<Map<string, string>>(operations, new Map(), (state, operation) => {
    const { key, value } = operation.input as { key: string; value: string | null };
    if (operation.f === 'get') return { state, output: { key, value: state.get(key) ?? '' } };
    const next = new Map(state);
    next.set(key, operation.f === 'put' ? (value as string) : (state.get(key) ?? '') + (value as string));
    return { state: next, output: operation.input };
  });
  if (corruptAt !== undefined) {
    // A get that also shows a piece no client ever appended.
    const gets = operations.filter((operation) => operation.f === 'get' && operation.outcome === 'ok');
    const victim = gets[Math.floor(gets.length * corruptAt)];
    if (victim !== undefined) {
      const { key, value } = victim.output as { key: string; value: string };
      victim.output = { key, value: `${value}x ghost 0 y` };
    }
  }
  return toHistory(operations, (operation) => ({ type: 'ok', value: operation.output }));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function format(ms: number): string {
  return ms < 10 ? ms.toFixed(3) : ms.toFixed(1);
}

function tally(results: LinearizabilityResult[]): string {
  const counts = { ok: 0, illegal: 0, unknown: 0 };
  for (const result of results) counts[result.verdict] += 1;
  return `${counts.ok} ok, ${counts.illegal} illegal, ${counts.unknown} unknown`;
}

interface Timed {
  result: LinearizabilityResult;
  /** Wall-clock milliseconds, as the checker reports them. */
  ms: number;
  /** CPU milliseconds of this process: what the check cost, without the waits of a shared machine. */
  cpuMs: number;
}

function timedCheck(check: () => LinearizabilityResult): Timed {
  const before = process.cpuUsage();
  const result = check();
  const used = process.cpuUsage(before);
  return { result, ms: result.ms, cpuMs: (used.user + used.system) / 1000 };
}

function runEtcd(histories: History[], dialect: 'jsonl' | 'porcupine-etcd'): { runs: Timed[]; total: number; cpuTotal: number } {
  const runs = histories.map((history) => timedCheck(() => checkLinearizable(registerModel(), history, { dialect, timeoutMs })));
  return { runs, total: runs.reduce((sum, run) => sum + run.ms, 0), cpuTotal: runs.reduce((sum, run) => sum + run.cpuMs, 0) };
}

function ratio(ours: number, theirs: number): string {
  return (ours / theirs).toFixed(2);
}

function reportEtcd(label: string, histories: History[], dialect: 'jsonl' | 'porcupine-etcd'): void {
  const cold = runEtcd(histories, dialect);
  let best = cold;
  for (let pass = 0; pass < warmPasses; pass += 1) {
    const warm = runEtcd(histories, dialect);
    if (warm.cpuTotal < best.cpuTotal) best = warm;
  }
  const wall = best.runs.map((run) => run.ms);
  const cpu = best.runs.map((run) => run.cpuMs);
  console.log(`${label}: ${histories.length} histories, ${tally(best.runs.map((run) => run.result))}`);
  console.log(`  cold pass: ${format(cold.total)} ms wall, ${format(cold.cpuTotal)} ms CPU in all`);
  console.log(`  best of ${warmPasses} warm passes: ${format(best.total)} ms wall in all (median ${format(median(wall))}, worst ${format(Math.max(...wall))}); CPU ${format(best.cpuTotal)} ms in all (median ${format(median(cpu))}, worst ${format(Math.max(...cpu))})`);
  console.log(`  ratio to Porcupine (${porcupine.etcdTotalMs} ms in all, median ${porcupine.etcdMedianMs}, worst ${porcupine.etcdWorstMs}), on CPU time: total ${ratio(best.cpuTotal, porcupine.etcdTotalMs)}, median ${ratio(median(cpu), porcupine.etcdMedianMs)}, worst ${ratio(Math.max(...cpu), porcupine.etcdWorstMs)}; cold total ${ratio(cold.cpuTotal, porcupine.etcdTotalMs)}`);
}

function reportKv(label: string, history: History, reference: number): void {
  const runs: Timed[] = [];
  for (let pass = 0; pass <= warmPasses; pass += 1) runs.push(timedCheck(() => checkLinearizable(kvModel(), history, { timeoutMs })));
  const [cold, ...warm] = runs as [Timed, ...Timed[]];
  const best = warm.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
  const ops = history.filter((event) => event.type === 'invoke').length;
  console.log(`${label}: ${ops} ops, ${best.result.partitions} partitions, ${best.result.verdict}, ${best.result.cacheEntries} cache entries`);
  console.log(`  cold ${format(cold.ms)} ms wall, ${format(cold.cpuMs)} ms CPU; best warm ${format(best.ms)} ms wall, ${format(best.cpuMs)} ms CPU; ratio to Porcupine's ${reference} ms on CPU time: ${ratio(best.cpuMs, reference)} (cold ${ratio(cold.cpuMs, reference)})`);
}

function main(): void {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, 'etcd-logs': { type: 'string' } } });
  const seed = values.seed ?? '4';
  console.log(`SEED=${seed} etcdHistories=${etcdHistories} etcdProcesses=${etcdProcesses} kvProcesses=${kvProcesses} kvKeys=${kvKeys} kvOperations=${kvOperations}`);
  const random = seedrandom(seed);
  const okHistories = Array.from({ length: etcdHistories }, () => etcdHistory(random, false));
  const mixedHistories = Array.from({ length: etcdHistories }, (_, index) => etcdHistory(random, index % 5 !== 0));
  reportEtcd('etcd-shaped, all linearizable', okHistories, 'porcupine-etcd');
  reportEtcd('etcd-shaped, 4 in 5 with a corrupted read (like Porcupine\'s set)', mixedHistories, 'porcupine-etcd');
  reportKv('kv c50, linearizable', kvHistory(seedrandom(`${seed}-kv`), undefined), porcupine.kvOkMs);
  // Porcupine's c50-bad breaks early (its longest legal prefix is 22 of 206 ops); a late break costs about an ok check.
  reportKv('kv c50, one corrupted get early (at 10% of the gets)', kvHistory(seedrandom(`${seed}-kv`), 0.1), porcupine.kvIllegalMs);
  reportKv('kv c50, one corrupted get late (at 70% of the gets)', kvHistory(seedrandom(`${seed}-kv`), 0.7), porcupine.kvIllegalMs);
  const logs = values['etcd-logs'];
  if (logs !== undefined && existsSync(logs)) {
    const files = readdirSync(logs).filter((name) => /^etcd_\d+\.log$/.test(name)).sort();
    reportEtcd(`Porcupine's own etcd logs (${logs})`, files.map((name) => parseHistory(readFileSync(join(logs, name), 'utf8'), 'porcupine-etcd')), 'porcupine-etcd');
    for (const name of ['c50-ok', 'c50-bad']) {
      const file = join(logs, `${name}.txt`);
      if (existsSync(file)) reportKv(`Porcupine's own ${name}.txt`, parseHistory(readFileSync(file, 'utf8'), 'porcupine-kv'), name === 'c50-ok' ? porcupine.kvOkMs : porcupine.kvIllegalMs);
    }
  }
}

main();
