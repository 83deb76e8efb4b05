// `faultline node`: runs one branch server until SIGTERM/SIGINT or until its parent goes away.
// Try it: `npx faultline node --id b1 --listen 127.0.0.1:0 --strategy lock --data-dir /tmp/b1 --accounts a1=100`.
import { setLogger } from '@grpc/grpc-js';
import { fstatSync } from 'node:fs';
import { format } from 'node:util';
import { choiceFlag, integerFlag, parseFlags, stringFlag } from '../args.js';
import { exitCode, usageError } from '../exit.js';
import { writableDirectory } from '../output-paths.js';
import type { Verb } from '../verb.js';
import { isBranchId } from '../../plan/index.js';
import {
  bugNames, ConfigError, dedupWindowMsDefault, dedupWindowMsMax, dedupWindowMsMin, outboxBytesMaxDefault, outboxBytesMaxLimit,
  outboxRowsMaxDefault, outboxRowsMaxLimit, parseAccounts, parseListen, parsePeers, strategyNames, synchronousNames,
} from '../../systems/bank/index.js';
import type { NodeConfig } from '../../systems/bank/index.js';
import { AddressInUseError, startNode } from '../../systems/bank/index.js';
import type { Peer, RunningNode } from '../../systems/bank/index.js';

/** How often the node checks that its parent still lives (so no node is ever orphaned). */
export const parentCheckMs = 500;
/** If a stray handle keeps the process up after a clean stop, it exits anyway after this. */
export const exitAfterStopMsMax = 2_000;

const usage = `usage: faultline node --id b1 --listen 127.0.0.1:PORT --strategy unsafe|lock|lock-free --data-dir DIR
  [--peers b2=127.0.0.1:P2,b3=127.0.0.1:P3 | --peers-from-stdin] [--accounts a1=100,a2=50] [--seed S] [--bug ${bugNames.join('|')}]
  [--dedup-window-ms ${dedupWindowMsDefault}] [--outbox-max ${outboxRowsMaxDefault}] [--outbox-bytes-max ${outboxBytesMaxDefault}]
  [--synchronous ${synchronousNames.join('|')}]   (normal, the default, survives kill -9; full also a power cut)`;

const options = {
  id: { type: 'string' }, listen: { type: 'string' }, peers: { type: 'string' }, strategy: { type: 'string' },
  'data-dir': { type: 'string' }, accounts: { type: 'string' }, seed: { type: 'string' }, bug: { type: 'string' },
  'dedup-window-ms': { type: 'string' }, 'outbox-max': { type: 'string' }, 'outbox-bytes-max': { type: 'string' },
  synchronous: { type: 'string' }, 'peers-from-stdin': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
} as const;

/** A node's settings, and whether it reads its peers from stdin once it printed its listening line. */
export interface NodeInvocation {
  config: NodeConfig;
  peersFromStdin: boolean;
}

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw usageError(`--${name} is required (${usage.split('\n')[0]})`);
  return value;
}

export function parseNodeArgs(argv: string[]): NodeInvocation | 'help' {
  const args = parseFlags(argv, options);
  if (args.values.help === true) return 'help';
  const peersFromStdin = args.values['peers-from-stdin'] === true;
  if (peersFromStdin && stringFlag(args, 'peers') !== undefined) throw usageError('--peers and --peers-from-stdin exclude each other');
  const id = parseBranchId(required(stringFlag(args, 'id'), 'id'));
  const listen = required(stringFlag(args, 'listen'), 'listen');
  const strategy = choiceFlag(args, 'strategy', strategyNames);
  if (strategy === undefined) throw usageError(`--strategy is required (${strategyNames.join('|')})`);
  const dataDir = writableDirectory('--data-dir', required(stringFlag(args, 'data-dir'), 'data-dir'));
  const bug = choiceFlag(args, 'bug', bugNames);
  const dedupWindowMs = integerFlag(args, 'dedup-window-ms', dedupWindowMsMin, dedupWindowMsMax) ?? dedupWindowMsDefault;
  const outboxRowsMax = integerFlag(args, 'outbox-max', 1, outboxRowsMaxLimit) ?? outboxRowsMaxDefault;
  const outboxBytesMax = integerFlag(args, 'outbox-bytes-max', 1, outboxBytesMaxLimit) ?? outboxBytesMaxDefault;
  const synchronous = choiceFlag(args, 'synchronous', synchronousNames) ?? 'normal';
  try {
    const config: NodeConfig = {
      id, ...parseListen(listen), strategy, dataDir, bug, dedupWindowMs, outboxRowsMax, outboxBytesMax, synchronous,
      peers: parsePeers(stringFlag(args, 'peers') ?? '', id),
      accounts: parseAccounts(stringFlag(args, 'accounts') ?? ''),
      seed: stringFlag(args, 'seed') ?? '0',
    };
    return { config, peersFromStdin };
  } catch (error) {
    if (error instanceof ConfigError) throw usageError(error.message);
    throw error;
  }
}

function parseBranchId(id: string): string {
  if (!isBranchId(id)) throw usageError(`--id must be a branch id like b1, got '${id}'`);
  return id;
}

/**
 * The first line on stdin, in --peers syntax (empty for none). A cluster that starts its nodes on port 0
 * sends it once every node printed its port; stdin ending first means the cluster is gone.
 */
function readPeersLine(self: string): Promise<Peer[]> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: string): void => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      finish();
      try {
        resolve(parsePeers(buffered.slice(0, newline).trim(), self));
      } catch (error) {
        reject(error instanceof ConfigError ? usageError(`the peers line on stdin: ${error.message}`) : error);
      }
    };
    const onEnd = (): void => {
      finish();
      reject(usageError('stdin ended before the peers line (--peers-from-stdin)'));
    };
    const finish = (): void => {
      process.stdin.off('data', onData);
      process.stdin.off('end', onEnd);
      process.stdin.pause();
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
    process.stdin.on('end', onEnd);
  });
}

/** Calls `onGone` when the parent process (its pid when the node started) dies: its stdin pipe closes, or we get a new parent. */
function watchParent(parent: number, onGone: (why: string) => void): () => void {
  const timer = setInterval(() => {
    if (process.ppid !== parent) onGone('the parent process is gone');
  }, parentCheckMs);
  timer.unref();
  const stdin = fstatSync(0);
  // Only a pipe says something when it closes; /dev/null ends at once and a terminal never does.
  const watchStdin = stdin.isFIFO() || stdin.isSocket();
  const onEnd = (): void => onGone('stdin closed');
  if (watchStdin) {
    process.stdin.on('end', onEnd);
    process.stdin.on('error', onEnd);
    process.stdin.resume();
  }
  return () => {
    clearInterval(timer);
    if (watchStdin) {
      process.stdin.off('end', onEnd);
      process.stdin.destroy();
    }
  };
}

/**
 * grpc-js logs its own errors to stderr; give them the node's prefix, and drop its bind failure,
 * which the node reports itself as one line ("address ... is in use").
 */
function routeGrpcLogs(log: (line: string) => void): void {
  setLogger({
    error: (...parts: unknown[]) => {
      const line = format(...parts);
      if (!line.includes('No address added')) log(`grpc: ${line}`);
    },
  });
}

async function serve({ config, peersFromStdin }: NodeInvocation): Promise<number> {
  // Taken before anything slow: a parent that dies while the node starts must still count as gone.
  const parent = process.ppid;
  const log = (line: string): void => {
    process.stderr.write(`[${config.id}] ${line}\n`);
  };
  routeGrpcLogs(log);
  let node: RunningNode;
  try {
    // The listening line as soon as the port is bound: a cluster that starts its nodes on port 0 learns
    // every port from it before it can say who the peers are.
    node = await startNode(config, log, async (address) => {
      process.stdout.write(`${JSON.stringify({ event: 'listening', id: config.id, address, pid: process.pid })}\n`);
      return peersFromStdin ? readPeersLine(config.id) : undefined;
    });
  } catch (error) {
    if (error instanceof AddressInUseError) throw usageError(error.message);
    throw error;
  }
  const onDump = (): void => node.describeRecentCalls();
  process.on('SIGUSR2', onDump);
  let unwatch = (): void => undefined;
  const why = await new Promise<string>((resolve) => {
    unwatch = watchParent(parent, resolve);
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log(`stopping: ${why}`);
  unwatch();
  process.off('SIGUSR2', onDump);
  await node.stop();
  setTimeout(() => process.exit(process.exitCode ?? exitCode.ok), exitAfterStopMsMax).unref();
  return exitCode.ok;
}

export const verb: Verb = {
  summary: 'start one branch server',
  async run(argv: string[]): Promise<number> {
    const invocation = parseNodeArgs(argv);
    if (invocation === 'help') {
      process.stdout.write(`${usage}\n`);
      return exitCode.ok;
    }
    return serve(invocation);
  },
};
