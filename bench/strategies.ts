// npm run bench:strategies [-- --seconds 3 --rounds 3 --warmup 8 --clients 8 --accounts 8 --strategies unsafe,lock,lock-free
// --synchronous normal|full --through b1]: ops/s, p50/p99 latency, conflicts, round trips to the
// serialization point and CPU per op of each strategy on a 3-branch cluster (no faults, no proxies),
// against a raw grpc-js unary echo on the same loopback, the ceiling, measured in the same run with
// the same channel and server options and the same closed loop. The measured windows alternate (echo,
// then each strategy, `--rounds` times), and a strategy's share of the ceiling is the median of its
// rounds, each against the echo of its own round. `--through b1` sends every client to the
// sequencer, so no op needs a round trip.
import { percentile } from '../lab/report/index.js';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import seedrandom from 'seedrandom';
import { adoptChild } from '../lab/cluster/index.js';
import { callUnary, channelOptions, startCluster, strategies } from '../lab/cluster/index.js';
import type { Strategy, UnaryMethod } from '../lab/cluster/index.js';
import type { Synchronous } from '../lab/systems/bank/index.js';
import { DepositRequest } from '../proto/index.js';
import { echoService } from './strategies-echo.js';

const seed = 'bench-strategies';
const branchCount = 3;
const callDeadlineMs = 5_000;
const echoStartMsMax = 20_000;

/** What one measured window (or the sum of a target's windows) saw. */
interface Measurement {
  ok: number;
  errors: number;
  elapsedMs: number;
  latenciesMs: number[];
  /** The same latencies by the branch a call entered at (strategies only). */
  latenciesByBranch: Record<string, number[]>;
  /** CPU time of each process involved (`client` is this process) during the window(s). */
  cpuMs?: Record<string, number> | undefined;
}

/** Something the closed loop drives: the echo server, or one strategy's cluster. */
interface Target {
  label: string;
  pids: Record<string, number>;
  operation: Operation;
  /** The branches' counters summed (lock-free's retries and stale guesses, lock's waits, hops). */
  counters?: () => Promise<Counters>;
  stop(): Promise<void>;
}

interface Counters {
  conflictRetries: number;
  lockWaits: number;
  pointCalls: number;
  staleGuesses: number;
}

/** CPU milliseconds a process has used so far (Linux /proc; undefined elsewhere). */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

let ticks: number | undefined;
function clockTicksPerSecond(): number {
  ticks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticks;
}

/** CPU milliseconds used so far by this process (`client`) and by each of `pids` (by label). */
function cpuMs(pids: Record<string, number>): Record<string, number> | undefined {
  const own = process.cpuUsage();
  const used: Record<string, number> = { client: (own.user + own.system) / 1_000 };
  for (const [label, pid] of Object.entries(pids)) {
    const ms = processCpuMs(pid);
    if (ms === undefined) return undefined;
    used[label] = ms;
  }
  return used;
}

/** One call; resolves to the branch it entered at, if there is one. */
type Operation = (client: number, sequence: number) => Promise<string | undefined>;

/** Each client issues its next call as soon as the last one answered, for durationMs; `record` false is a warm-up. */
async function closedLoop(target: Target, clients: number, durationMs: number, sequences: number[], record: boolean): Promise<Measurement> {
  const measurement: Measurement = { ok: 0, errors: 0, elapsedMs: 0, latenciesMs: [], latenciesByBranch: {} };
  const started = performance.now();
  const cpuBefore = record ? cpuMs(target.pids) : undefined;
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    while (performance.now() - started < durationMs) {
      const sequence = (sequences[client] ?? 0) + 1;
      sequences[client] = sequence;
      const callStarted = performance.now();
      try {
        const branch = await target.operation(client, sequence);
        measurement.ok += 1;
        if (record) {
          const latencyMs = performance.now() - callStarted;
          measurement.latenciesMs.push(latencyMs);
          if (branch !== undefined) (measurement.latenciesByBranch[branch] ??= []).push(latencyMs);
        }
      } catch {
        measurement.errors += 1;
      }
    }
  }));
  measurement.elapsedMs = performance.now() - started;
  const cpuAfter = record ? cpuMs(target.pids) : undefined;
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    measurement.cpuMs = Object.fromEntries(Object.entries(cpuAfter).map(([label, ms]) => [label, ms - (cpuBefore[label] ?? 0)]));
  }
  return measurement;
}

function addUp(windows: readonly Measurement[]): Measurement {
  const sum: Measurement = { ok: 0, errors: 0, elapsedMs: 0, latenciesMs: [], latenciesByBranch: {}, cpuMs: {} };
  for (const window of windows) {
    sum.ok += window.ok;
    sum.errors += window.errors;
    sum.elapsedMs += window.elapsedMs;
    sum.latenciesMs.push(...window.latenciesMs);
    for (const [branch, latencies] of Object.entries(window.latenciesByBranch)) (sum.latenciesByBranch[branch] ??= []).push(...latencies);
    if (window.cpuMs === undefined || sum.cpuMs === undefined) {
      sum.cpuMs = undefined;
      continue;
    }
    for (const [label, ms] of Object.entries(window.cpuMs)) sum.cpuMs[label] = (sum.cpuMs[label] ?? 0) + ms;
  }
  return sum;
}

function rate(measurement: Measurement): number {
  return (measurement.ok * 1_000) / measurement.elapsedMs;
}

async function startStrategy(strategy: Strategy, synchronous: Synchronous, through: string | undefined, accountCount: number): Promise<Target> {
  const accounts = Array.from({ length: accountCount }, (_, index) => ({ account: `a${index + 1}`, balance: 1_000_000 }));
  const cluster = await startCluster({ branches: branchCount, strategy, accounts, seed, settings: { synchronous } });
  const pickers: (() => number)[] = [];
  return {
    label: strategy,
    pids: cluster.pids(),
    async operation(client, sequence) {
      const branch = through ?? cluster.branches[client % cluster.branches.length] ?? 'b1';
      const bankClient = cluster.client(branch);
      pickers[client] ??= seedrandom(`${seed}/${strategy}/${client}`);
      const account = accounts[Math.floor((pickers[client]?.() ?? 0) * accountCount)]?.account ?? 'a1';
      const identity = { clientId: `bench-${client}`, requestId: `bench-${client}-${sequence}` };
      await callUnary(bankClient.deposit.bind(bankClient), { ...identity, account, amount: 1 }, callDeadlineMs, identity);
      return branch;
    },
    async counters() {
      const stats = (await cluster.snapshotReplies()).map((reply) => reply.stats);
      const sum = (pick: (entry: NonNullable<(typeof stats)[number]>) => number): number => stats.reduce((total, entry) => total + (entry === undefined ? 0 : pick(entry)), 0);
      return {
        conflictRetries: sum((entry) => entry.conflictRetries), lockWaits: sum((entry) => entry.lockWaits),
        pointCalls: sum((entry) => entry.pointCalls), staleGuesses: sum((entry) => entry.staleGuesses),
      };
    },
    stop: () => cluster.stop(),
  };
}

interface EchoClient {
  echo: UnaryMethod<Buffer, Buffer>;
  close(): void;
}

async function startEcho(): Promise<Target> {
  const script = fileURLToPath(new URL('./strategies-echo-server.ts', import.meta.url));
  const server = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  adoptChild(server);
  const exited = new Promise((resolve) => server.once('exit', resolve));
  const stopServer = async (): Promise<void> => {
    server.kill('SIGTERM');
    await exited;
  };
  let address: string;
  try {
    address = await listeningAddress(server.stdout);
  } catch (error) {
    await stopServer();
    throw error;
  }
  const EchoClientConstructor = makeGenericClientConstructor(echoService, 'Echo');
  const client = new EchoClientConstructor(address, credentials.createInsecure(), channelOptions) as unknown as EchoClient;
  // The payload a bank deposit carries, so both sides move the same bytes.
  const payload = Buffer.from(DepositRequest.encode({ clientId: 'bench-0', requestId: 'bench-0-1000000', account: 'a1', amount: 1 }).finish());
  return {
    label: 'echo (ceiling)',
    pids: server.pid === undefined ? {} : { server: server.pid },
    async operation() {
      await callUnary(client.echo.bind(client), payload, callDeadlineMs);
      return undefined;
    },
    async stop() {
      client.close();
      await stopServer();
    },
  };
}

function listeningAddress(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('the echo server did not start')), echoStartMsMax);
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve((JSON.parse(buffered.slice(0, newline)) as { address: string }).address);
    });
  });
}

interface Row {
  target: Target;
  windows: Measurement[];
  counters?: Counters | undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] ?? Number.NaN : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function printTable(rows: Row[], ceiling: Row): void {
  const totals = new Map([ceiling, ...rows].map((row) => [row, addUp(row.windows)]));
  const totalOf = (row: Row): Measurement => totals.get(row) ?? addUp(row.windows);
  const header = ['', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'retries', 'lock waits', 'stale', 'hops/op', 'cpu ms/op', 'of ceiling', 'rounds'];
  const lines = [ceiling, ...rows].map((row) => {
    const total = totalOf(row);
    const sorted = [...total.latenciesMs].sort((left, right) => left - right);
    const cpu = cpuPerOp(total);
    // Each round's ratio is taken against the echo measured just before it, so drift in the machine's
    // speed between rounds cancels out; the median of the rounds is the figure.
    const ratios = row.windows.map((window, round) => rate(window) / rate(ceiling.windows[round] ?? window));
    return [
      row.target.label, rate(total).toFixed(0), percentile(sorted, 0.5).toFixed(2), percentile(sorted, 0.99).toFixed(2), String(total.errors),
      String(row.counters?.conflictRetries ?? '-'), String(row.counters?.lockWaits ?? '-'), String(row.counters?.staleGuesses ?? '-'),
      row.counters === undefined ? '-' : (row.counters.pointCalls / Math.max(1, total.ok)).toFixed(2), cpu?.toFixed(3) ?? '-',
      `${(100 * median(ratios)).toFixed(1)} %`, row === ceiling ? row.windows.map((window) => rate(window).toFixed(0)).join('/') : ratios.map((ratio) => (100 * ratio).toFixed(0)).join('/'),
    ];
  });
  const widths = header.map((_, column) => Math.max(...[header, ...lines].map((line) => (line[column] ?? '').length)));
  for (const line of [header, ...lines]) {
    process.stdout.write(`${line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')}\n`);
  }
  // CPU per op against the echo's, also a same-run ratio: steadier than ops/s when the machine's speed drifts.
  process.stdout.write('cpu ms/op by process (and x the echo\'s):\n');
  const echoCpu = cpuPerOp(totalOf(ceiling));
  for (const row of [ceiling, ...rows]) {
    const total = totalOf(row);
    const split = Object.entries(total.cpuMs ?? {}).map(([label, ms]) => `${label} ${(ms / Math.max(1, total.ok)).toFixed(3)}`);
    const times = echoCpu === undefined ? '' : ` (x${((cpuPerOp(total) ?? Number.NaN) / echoCpu).toFixed(2)})`;
    process.stdout.write(`  ${row.target.label.padEnd(widths[0] ?? 0)}  ${split.length === 0 ? '-' : split.join(', ')}${times}\n`);
  }
  // At the serialization point an op needs no round trip; elsewhere it needs one per swap or lock step.
  process.stdout.write('latency ms by the branch a call entered at (share of calls: p50 / p90 / mean):\n');
  for (const row of rows) {
    const total = totalOf(row);
    const split = Object.entries(total.latenciesByBranch).sort(([left], [right]) => left.localeCompare(right)).map(([branch, latencies]) => {
      const sorted = [...latencies].sort((left, right) => left - right);
      const mean = latencies.reduce((sum, latency) => sum + latency, 0) / Math.max(1, latencies.length);
      const share = (100 * latencies.length) / Math.max(1, total.latenciesMs.length);
      return `${branch} (${share.toFixed(0)} %): ${percentile(sorted, 0.5).toFixed(2)} / ${percentile(sorted, 0.9).toFixed(2)} / ${mean.toFixed(2)}`;
    });
    process.stdout.write(`  ${row.target.label.padEnd(widths[0] ?? 0)}  ${split.join(', ')}\n`);
  }
}

function cpuPerOp(measurement: Measurement): number | undefined {
  if (measurement.cpuMs === undefined || measurement.ok === 0) return undefined;
  return Object.values(measurement.cpuMs).reduce((sum, ms) => sum + ms, 0) / measurement.ok;
}

function subtract(after: Counters, before: Counters): Counters {
  return {
    conflictRetries: after.conflictRetries - before.conflictRetries, lockWaits: after.lockWaits - before.lockWaits,
    pointCalls: after.pointCalls - before.pointCalls, staleGuesses: after.staleGuesses - before.staleGuesses,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '3' }, rounds: { type: 'string', default: '3' }, clients: { type: 'string', default: '8' },
      // A branch's hot paths reach steady state (JIT tiers, heap sizing) only after several seconds of
      // load: with 3 s the first measured round of lock-free came out a quarter below the later ones.
      warmup: { type: 'string', default: '8' },
      // 8 accounts for 8 clients is a hot workload: an account changes every few milliseconds, so
      // lock-free's guesses go stale and lock's leases queue. More accounts, less contention.
      accounts: { type: 'string', default: '8' },
      strategies: { type: 'string', default: strategies.join(',') },
      synchronous: { type: 'string', default: 'normal' },
      through: { type: 'string' },
    },
  });
  const through = values.through;
  if (through !== undefined && !/^b[1-3]$/.test(through)) throw new Error(`--through takes a branch b1..b${branchCount}, got '${through}'`);
  const synchronous = values.synchronous;
  if (synchronous !== 'normal' && synchronous !== 'full') throw new Error(`--synchronous takes normal or full, got '${synchronous}'`);
  const chosen = values.strategies.split(',');
  const unknown = chosen.filter((name) => !(strategies as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--strategies: unknown ${unknown.join(', ')} (known: ${strategies.join(', ')})`);
  const durationMs = Number(values.seconds) * 1_000;
  const warmupMs = Number(values.warmup) * 1_000;
  const rounds = Number(values.rounds);
  const clients = Number(values.clients);
  const accountCount = Number(values.accounts);
  if (!(durationMs > 0) || !(warmupMs >= 0) || !Number.isInteger(clients) || clients < 1 || !Number.isInteger(accountCount) || accountCount < 1 || !Number.isInteger(rounds) || rounds < 1) {
    throw new Error('--seconds, --warmup, --rounds, --clients and --accounts take positive numbers');
  }
  process.stdout.write(`SEED=${seed} branches=${branchCount} clients=${clients} warmup=${warmupMs / 1_000}s rounds=${rounds}x${durationMs / 1_000}s accounts=${accountCount} synchronous=${synchronous} op=deposit(1) to a seeded random account, ${through === undefined ? `client i through branch i mod ${branchCount}` : `every client through ${through}`}\n`);
  const targets: Target[] = [];
  try {
    targets.push(await startEcho());
    for (const strategy of strategies.filter((name) => chosen.includes(name))) targets.push(await startStrategy(strategy, synchronous, through, accountCount));
    // Every target runs, is warmed up and is measured in the same process and the same minute, the
    // windows alternating echo, A, B, echo, A, B, ...
    const sequences = targets.map(() => Array.from({ length: clients }, () => 0));
    for (const [index, target] of targets.entries()) await closedLoop(target, clients, warmupMs, sequences[index] ?? [], false);
    const before = await Promise.all(targets.map((target) => target.counters?.()));
    const rows: Row[] = targets.map((target) => ({ target, windows: [] }));
    for (let round = 0; round < rounds; round += 1) {
      for (const [index, row] of rows.entries()) row.windows.push(await closedLoop(row.target, clients, durationMs, sequences[index] ?? [], true));
    }
    const after = await Promise.all(targets.map((target) => target.counters?.()));
    for (const [index, row] of rows.entries()) {
      const first = before[index];
      const last = after[index];
      if (first !== undefined && last !== undefined) row.counters = subtract(last, first);
    }
    const [ceiling, ...others] = rows;
    if (ceiling !== undefined) printTable(others, ceiling);
  } finally {
    for (const target of targets) await target.stop();
  }
}

await main();
