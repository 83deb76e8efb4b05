// One branch node as its own OS process: spawn `faultline node`, wait for its listening line and for
// health to say SERVING, keep the tail of its stderr for error messages. Used by cluster.ts.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { BranchId } from '../plan/index.js';
import { packagePath, strategies as strategyNames } from '../plan/index.js';
import type { Strategy as StrategyName } from '../plan/index.js';
import { adoptChild } from './children.js';
import { loopbackHost, splitAddress } from './ports.js';
import { waitForServing } from './rpc.js';

/** The strategies a node runs, as lab/systems/bank defines them. */
export const strategies = strategyNames;
export type Strategy = StrategyName;

export interface AccountBalance {
  account: string;
  balance: number;
}

export interface NodeLaunch {
  id: BranchId;
  port: number;
  /** Where this node dials each peer: the peer itself, or the proxy of the link id→peer. */
  peers: { id: BranchId; address: string }[];
  strategy: Strategy;
  dataDir: string;
  accounts: AccountBalance[];
  seed?: string | undefined;
  bug?: string | undefined;
  settings?: NodeSettings | undefined;
}

/** The node's tuning flags (see `faultline node --help`); unset ones keep the node's defaults. */
export interface NodeSettings {
  synchronous?: 'normal' | 'full' | undefined;
  dedupWindowMs?: number | undefined;
  outboxRowsMax?: number | undefined;
  outboxBytesMax?: number | undefined;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface NodeProcess {
  readonly id: BranchId;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitStatus>;
  isRunning(): boolean;
  stderrTail(): string;
}

export class NodeStartError extends Error {
  readonly code = 'node-start';
  readonly branch: BranchId;

  constructor(branch: BranchId, reason: string, stderrTail: string) {
    // One line, so a CLI can print it as its one-line error.
    const tail = stderrTail.trim().replace(/\s*\n\s*/g, ' | ');
    super(`branch ${branch} did not start: ${reason}${tail === '' ? '' : `; its stderr ends with: ${tail}`}`);
    this.name = 'NodeStartError';
    this.branch = branch;
  }
}

/** The `faultline` command's entry point, run with this same node binary. */
export const faultlineBinPath = packagePath('bin', 'faultline.mjs');
const stderrTailCharsMax = 2_000;

/** The peers in --peers syntax: `b2=127.0.0.1:P2,b3=127.0.0.1:P3`. */
function peersText(peers: NodeLaunch['peers']): string {
  return peers.map((peer) => `${peer.id}=${peer.address}`).join(',');
}

/** The node's arguments; with peersFromStdin, --peers-from-stdin in place of --peers. */
export function nodeArguments(launch: NodeLaunch, peersFromStdin = false): string[] {
  const args = ['node', '--id', launch.id, '--listen', `${loopbackHost}:${launch.port}`];
  if (peersFromStdin) args.push('--peers-from-stdin');
  else if (launch.peers.length > 0) args.push('--peers', peersText(launch.peers));
  args.push('--strategy', launch.strategy, '--data-dir', launch.dataDir);
  if (launch.accounts.length > 0) {
    args.push('--accounts', launch.accounts.map((entry) => `${entry.account}=${entry.balance}`).join(','));
  }
  // `--seed=-5`, not `--seed -5`: a negative seed would read as a flag.
  if (launch.seed !== undefined) args.push(`--seed=${launch.seed}`);
  if (launch.bug !== undefined) args.push('--bug', launch.bug);
  const settings = launch.settings ?? {};
  if (settings.synchronous !== undefined) args.push('--synchronous', settings.synchronous);
  if (settings.dedupWindowMs !== undefined) args.push('--dedup-window-ms', String(settings.dedupWindowMs));
  if (settings.outboxRowsMax !== undefined) args.push('--outbox-max', String(settings.outboxRowsMax));
  if (settings.outboxBytesMax !== undefined) args.push('--outbox-bytes-max', String(settings.outboxBytesMax));
  return args;
}

/** Starts the node on launch.port and resolves once it serves; on failure it leaves no process behind. */
export async function launchNode(launch: NodeLaunch, timeoutMs: number): Promise<NodeProcess> {
  const started = performance.now();
  const node = spawnNode(launch, false);
  return failsAsStartError(launch.id, node, async (giveUp) => {
    const address = await waitForListeningLine(node, timeoutMs);
    const expected = `${loopbackHost}:${launch.port}`;
    if (address !== expected) throw new Error(`it listens on ${address}, not on ${expected}`);
    await servingOrExit(node, address, Math.max(0, timeoutMs - (performance.now() - started)), giveUp);
    return node;
  });
}

/** A node bound on a port the kernel gave it (port 0), waiting on stdin for its peers. */
export interface ListeningNode {
  readonly process: NodeProcess;
  readonly port: number;
  /** Sends the peers and resolves once the node serves; on failure it leaves no process behind. */
  serve(peers: NodeLaunch['peers'], timeoutMs: number): Promise<NodeProcess>;
}

/**
 * Starts the node on port 0 and resolves with the port it bound, read from its listening line. Nothing
 * can take that port between a probe and the bind, as it could when a port was picked for the node.
 */
export async function listenNode(launch: Omit<NodeLaunch, 'port' | 'peers'>, timeoutMs: number): Promise<ListeningNode> {
  const node = spawnNode({ ...launch, port: 0, peers: [] }, true);
  const address = await failsAsStartError(launch.id, node, async () => {
    const listening = await waitForListeningLine(node, timeoutMs);
    if (splitAddress(listening).host !== loopbackHost) throw new Error(`it listens on ${listening}, not on ${loopbackHost}`);
    return listening;
  });
  return {
    process: node,
    port: splitAddress(address).port,
    serve: (peers, serveTimeoutMs) => failsAsStartError(launch.id, node, async (giveUp) => {
      node.child.stdin?.write(`${peersText(peers)}\n`);
      await servingOrExit(node, address, serveTimeoutMs, giveUp);
      return node;
    }),
  };
}

async function servingOrExit(node: NodeProcess, address: string, timeoutMs: number, giveUp: AbortSignal): Promise<void> {
  await Promise.race([waitForServing(address, timeoutMs, giveUp), node.exited.then(describeExit)]);
}

/** Runs a step of a node's start; when it fails, kills the node and says why with its stderr. */
async function failsAsStartError<T>(branch: BranchId, node: NodeProcess, step: (giveUp: AbortSignal) => Promise<T>): Promise<T> {
  const giveUp = new AbortController();
  try {
    return await step(giveUp.signal);
  } catch (error) {
    giveUp.abort();
    node.child.kill('SIGKILL');
    await node.exited;
    throw new NodeStartError(branch, error instanceof Error ? error.message : String(error), node.stderrTail());
  }
}

/**
 * Extra flags for the Node runtime of every branch process, from FAULTLINE_NODE_FLAGS (space-separated),
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the nodes, which NODE_OPTIONS does not allow.
 */
export function nodeRuntimeFlags(environment: NodeJS.ProcessEnv = process.env): string[] {
  return (environment.FAULTLINE_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

function spawnNode(launch: NodeLaunch, peersFromStdin: boolean): NodeProcess & { stdoutLines: AsyncIterable<string> } {
  const child = spawn(process.execPath, [...nodeRuntimeFlags(), faultlineBinPath, ...nodeArguments(launch, peersFromStdin)], { stdio: ['pipe', 'pipe', 'pipe'] });
  adoptChild(child);
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-stderrTailCharsMax);
  });
  // A node whose parent vanished sees EOF here; an error on a closed pipe is not ours to report.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const pid = child.pid;
  if (pid === undefined) throw new NodeStartError(launch.id, 'spawn returned no pid', '');
  return {
    id: launch.id,
    pid,
    child,
    exited,
    isRunning: () => child.exitCode === null && child.signalCode === null,
    stderrTail: () => tail,
    stdoutLines: stdoutLines(child),
  };
}

async function* stdoutLines(child: ChildProcess): AsyncIterable<string> {
  const stream = child.stdout;
  if (stream === null) return;
  stream.setEncoding('utf8');
  let buffered = '';
  for await (const chunk of stream) {
    buffered += chunk as string;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  }
}

/** Resolves with the address of the node's `{"event":"listening",...}` line. */
async function waitForListeningLine(node: ReturnType<typeof spawnNode>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no listening line within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([readListeningLine(node), timeout, node.exited.then(describeExit)]);
  } finally {
    clearTimeout(timer);
  }
}

async function readListeningLine(node: ReturnType<typeof spawnNode>): Promise<string> {
  const lines = node.stdoutLines[Symbol.asyncIterator]();
  for (let next = await lines.next(); next.done !== true; next = await lines.next()) {
    const event = parseEvent(next.value);
    if (event?.event === 'listening' && typeof event.address === 'string') {
      if (event.id !== node.id) throw new Error(`its listening line names '${String(event.id)}'`);
      void drain(lines);
      return event.address;
    }
  }
  throw new Error('its stdout closed before the listening line');
}

/** Keeps reading stdout so a chatty node never blocks on a full pipe. */
async function drain(lines: AsyncIterator<string>): Promise<void> {
  for (let next = await lines.next(); next.done !== true; next = await lines.next()) {
    // Later lines carry nothing the cluster needs.
  }
}

function parseEvent(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describeExit(status: ExitStatus): never {
  throw new Error(`it exited (${status.signal ?? `code ${String(status.code)}`})`);
}
