// npm run bench:strategies [-- --seconds 5 --clients 8 --strategies unsafe,lock,lock-free --synchronous normal|full --through b1]:
// ops/s, p50/p99 latency, conflicts, round trips to the serialization point and CPU per op of each
// strategy on a 3-branch cluster (no faults, no proxies), against a raw grpc-js unary echo on the
// same loopback, the ceiling, measured in the same run with the same channel options and the same
// closed loop. `--through b1` sends every client to the sequencer, so no op needs a round trip.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import seedrandom from 'seedrandom';
import { adoptChild } from '../lab/cluster/children.js';
import { callUnary, channelOptions, startCluster, strategies } from '../lab/cluster/index.js';
import type { Strategy, UnaryMethod } from '../lab/cluster/index.js';
import type { Synchronous } from '../lab/node/store.js';
import { DepositRequest } from '../proto/gen/bank.js';
import { echoService } from './strategies-echo.js';

const seed = 'bench-strategies';
const branchCount = 3;
const accountCount = 8;
const warmupMs = 3_000;
const callDeadlineMs = 5_000;
const echoStartMsMax = 20_000;

interface Measurement {
  label: string;
  ok: number;
  errors: number;
  elapsedMs: number;
  latenciesMs: number[];
  /** Calls answered during the warm-up: the branches' counters include them. */
  warmupOk: number;
  /** Summed over the branches after the run: lock-free's conflict retries, lock's waits for a lease. */
  conflictRetries?: number;
  lockWaits?: number;
  /** Calls the branches made to the serialization point on another branch, and lock-free's stale first guesses. */
  pointCalls?: number;
  staleGuesses?: number;
  /** CPU time of every process involved (client, servers) during the measured loop, per answered call. */
  cpuMsPerOp?: number;
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

/** CPU milliseconds used so far by this process and by `pids` together. */
function cpuMs(pids: number[]): number | undefined {
  const own = process.cpuUsage();
  let total = (own.user + own.system) / 1_000;
  for (const pid of pids) {
    const used = processCpuMs(pid);
    if (used === undefined) return undefined;
    total += used;
  }
  return total;
}

type Operation = (client: number, sequence: number) => Promise<void>;

/** Each client issues its next call as soon as the last one answered, for durationMs. */
async function closedLoop(label: string, clients: number, durationMs: number, operation: Operation, pids: number[]): Promise<Measurement> {
  const measurement: Measurement = { label, ok: 0, errors: 0, elapsedMs: 0, latenciesMs: [], warmupOk: 0 };
  const run = async (client: number, untilMs: number, record: boolean): Promise<void> => {
    for (let sequence = 0; performance.now() < untilMs; sequence += 1) {
      const started = performance.now();
      try {
        await operation(client, sequence + (record ? 1_000_000 : 0));
        if (!record) measurement.warmupOk += 1;
        if (record) {
          measurement.ok += 1;
          measurement.latenciesMs.push(performance.now() - started);
        }
      } catch {
        if (record) measurement.errors += 1;
      }
    }
  };
  const warmupUntil = performance.now() + warmupMs;
  await Promise.all(Array.from({ length: clients }, (_, client) => run(client, warmupUntil, false)));
  const started = performance.now();
  const cpuBefore = cpuMs(pids);
  await Promise.all(Array.from({ length: clients }, (_, client) => run(client, started + durationMs, true)));
  measurement.elapsedMs = performance.now() - started;
  const cpuAfter = cpuMs(pids);
  if (cpuBefore !== undefined && cpuAfter !== undefined && measurement.ok > 0) measurement.cpuMsPerOp = (cpuAfter - cpuBefore) / measurement.ok;
  return measurement;
}

async function measureStrategy(
  strategy: Strategy, clients: number, durationMs: number, synchronous: Synchronous, through: string | undefined,
): Promise<Measurement> {
  const accounts = Array.from({ length: accountCount }, (_, index) => ({ account: `a${index + 1}`, balance: 1_000_000 }));
  const cluster = await startCluster({ branches: branchCount, strategy, accounts, seed, settings: { synchronous } });
  try {
    const pickers = Array.from({ length: clients }, (_, client) => seedrandom(`${seed}/${strategy}/${client}`));
    const measurement = await closedLoop(strategy, clients, durationMs, async (client, sequence) => {
      const branch = through ?? cluster.branches[client % cluster.branches.length] ?? 'b1';
      const bankClient = cluster.client(branch);
      const account = accounts[Math.floor((pickers[client]?.() ?? 0) * accountCount)]?.account ?? 'a1';
      const identity = { clientId: `bench-${client}`, requestId: `bench-${client}-${sequence}` };
      await callUnary(bankClient.deposit.bind(bankClient), { ...identity, account, amount: 1 }, callDeadlineMs, identity);
    }, Object.values(cluster.pids()));
    const stats = (await cluster.snapshotReplies()).map((reply) => reply.stats);
    measurement.conflictRetries = stats.reduce((sum, entry) => sum + (entry?.conflictRetries ?? 0), 0);
    measurement.lockWaits = stats.reduce((sum, entry) => sum + (entry?.lockWaits ?? 0), 0);
    measurement.pointCalls = stats.reduce((sum, entry) => sum + (entry?.pointCalls ?? 0), 0);
    measurement.staleGuesses = stats.reduce((sum, entry) => sum + (entry?.staleGuesses ?? 0), 0);
    return measurement;
  } finally {
    await cluster.stop();
  }
}

interface EchoClient {
  echo: UnaryMethod<Buffer, Buffer>;
  close(): void;
}

async function measureEcho(clients: number, durationMs: number): Promise<Measurement> {
  const script = fileURLToPath(new URL('./strategies-echo-server.ts', import.meta.url));
  const server = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  adoptChild(server);
  const exited = new Promise((resolve) => server.once('exit', resolve));
  try {
    const address = await listeningAddress(server.stdout);
    const EchoClientConstructor = makeGenericClientConstructor(echoService, 'Echo');
    const client = new EchoClientConstructor(address, credentials.createInsecure(), channelOptions) as unknown as EchoClient;
    // The payload a bank deposit carries, so both sides move the same bytes.
    const payload = Buffer.from(DepositRequest.encode({ clientId: 'bench-0', requestId: 'bench-0-1000000', account: 'a1', amount: 1 }).finish());
    const measurement = await closedLoop('echo (ceiling)', clients, durationMs, async () => {
      await callUnary(client.echo.bind(client), payload, callDeadlineMs);
    }, server.pid === undefined ? [] : [server.pid]);
    client.close();
    return measurement;
  } finally {
    server.kill('SIGTERM');
    await exited;
  }
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

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

function printTable(rows: Measurement[], ceiling: Measurement): void {
  const rate = (row: Measurement): number => (row.ok * 1_000) / row.elapsedMs;
  const header = ['', 'ops/s', 'p50 ms', 'p99 ms', 'errors', 'retries', 'lock waits', 'stale', 'hops/op', 'cpu ms/op', 'of ceiling'];
  const lines = [ceiling, ...rows].map((row) => {
    const sorted = [...row.latenciesMs].sort((left, right) => left - right);
    return [
      row.label, rate(row).toFixed(0), percentile(sorted, 0.5).toFixed(2), percentile(sorted, 0.99).toFixed(2),
      String(row.errors), String(row.conflictRetries ?? '-'), String(row.lockWaits ?? '-'), String(row.staleGuesses ?? '-'),
      row.pointCalls === undefined ? '-' : (row.pointCalls / Math.max(1, row.ok + row.warmupOk)).toFixed(2), row.cpuMsPerOp?.toFixed(3) ?? '-', `${((100 * rate(row)) / rate(ceiling)).toFixed(1)} %`,
    ];
  });
  const widths = header.map((_, column) => Math.max(...[header, ...lines].map((line) => (line[column] ?? '').length)));
  for (const line of [header, ...lines]) {
    process.stdout.write(`${line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')}\n`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '5' }, clients: { type: 'string', default: '8' },
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
  const clients = Number(values.clients);
  if (!(durationMs > 0) || !Number.isInteger(clients) || clients < 1) throw new Error('--seconds and --clients take positive numbers');
  process.stdout.write(`SEED=${seed} branches=${branchCount} clients=${clients} seconds=${durationMs / 1_000} accounts=${accountCount} synchronous=${synchronous} op=deposit(1) to a seeded random account, ${through === undefined ? `client i through branch i mod ${branchCount}` : `every client through ${through}`}\n`);
  const ceiling = await measureEcho(clients, durationMs);
  const rows: Measurement[] = [];
  for (const strategy of strategies.filter((name) => chosen.includes(name))) rows.push(await measureStrategy(strategy, clients, durationMs, synchronous, through));
  printTable(rows, ceiling);
}

await main();
