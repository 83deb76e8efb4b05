// A test-level starter for a System's nodes on loopback, every client and peer link through a proxy of
// the given backend: start, kill -9, restart from the data dir, pause, cut a node's peer link, heal,
// stop. It drives only the System contract, as the runner will; nothing it starts outlives a test.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptChild, adoptTemporaryDirectory, freeLoopbackPort, loopbackHost, releaseTemporaryDirectory } from '../../../cluster/index.js';
import type { ProxyBackend } from '../../../proxy/index.js';
import type { NodeContext, PeerFront, System } from '../../index.js';
import { EtcdSystemError } from '../errors.js';

/** How long a node may take to become ready before the start fails. */
export const readyDeadlineMsDefault = 20_000;
const readyProbeMs = 500;
const readyPollMs = 100;
/** The lines of a node's stderr kept for the error that says why it stopped. */
const stderrLinesMax = 5;

interface Node {
  id: string;
  context: NodeContext;
  child: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
  stderr: string[];
}

export interface TestCluster {
  ids: string[];
  /** Each node's client address through its proxy: where the workload's clients call. */
  clientAddress(id: string): string;
  /** The address the node advertises to its peers (its peer front). */
  peerAddress(id: string): string;
  /** Each node's own client address, not proxied: for final states. */
  directAddress(id: string): string;
  kill(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  pause(id: string): void;
  resume(id: string): void;
  /** Cuts both links between a and b (their proxies refuse and drop every connection). */
  cut(a: string, b: string): Promise<void>;
  /** Cuts every peer link of the node: raft loses it, its clients still reach it. */
  isolate(id: string): Promise<void>;
  heal(): Promise<void>;
  pids(): number[];
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  system: System;
  size: number;
  seed: number;
  proxy: ProxyBackend;
  readyDeadlineMs?: number;
  /** Replaces the launch's arguments, for tests of a command that fails. */
  argumentsFor?: (id: string, args: string[]) => string[];
  /** Told every pid the cluster starts, for tests that prove none outlives it. */
  onSpawn?: (pid: number) => void;
}

function spawnNode(node: Node, options: TestClusterOptions): void {
  const launch = options.system.launch(node.context);
  const args = options.argumentsFor?.(node.id, launch.args) ?? launch.args;
  const child = spawn(launch.command, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...launch.env } });
  adoptChild(child);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  node.child = child;
  node.stderr = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    node.stderr.push(...chunk.split('\n').filter((line) => line.trim().length > 0));
    node.stderr.splice(0, Math.max(0, node.stderr.length - stderrLinesMax));
  });
  node.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function waitReady(node: Node, options: TestClusterOptions, abort: AbortSignal): Promise<void> {
  const readiness = options.system.readiness;
  if (readiness.kind !== 'probe') throw new Error('the test cluster drives probe readiness only');
  const address = `${node.context.listen.host}:${node.context.listen.port}`;
  const deadline = Date.now() + (options.readyDeadlineMs ?? readyDeadlineMsDefault);
  let exitCode: number | null | undefined;
  void node.exited?.then((code) => (exitCode = code));
  while (Date.now() < deadline && !abort.aborted) {
    if (exitCode !== undefined) {
      const why = node.stderr.at(-1) ?? 'no output';
      throw new EtcdSystemError('etcd-exited', `${node.id} exited with code ${String(exitCode)} before it was ready: ${why.slice(0, 300)}`);
    }
    if (await readiness.ready(address, readyProbeMs)) return;
    await new Promise((resolve) => setTimeout(resolve, readyPollMs));
  }
  throw new EtcdSystemError('etcd-not-ready', `${node.id} was not ready within ${options.readyDeadlineMs ?? readyDeadlineMsDefault} ms`);
}

async function killNode(node: Node): Promise<void> {
  if (node.child === undefined || node.exited === undefined) return;
  node.child.kill('SIGCONT');
  node.child.kill('SIGKILL');
  await node.exited;
  node.child = undefined;
}

const pairLink = (from: string, to: string): string => `${from}-to-${to}`;

interface Links {
  clientProxies: Map<string, string>;
  fronts: Map<string, PeerFront>;
}

/** A client proxy per node, a peer front per node, and a proxy per ordered pair behind the fronts. */
async function openLinks(options: TestClusterOptions, ids: readonly string[], port: (id: string, kind: 'client' | 'peer') => number): Promise<Links> {
  const links: Links = { clientProxies: new Map(), fronts: new Map() };
  for (const id of ids) {
    links.clientProxies.set(id, await options.proxy.createProxy(`${id}-client`, `${loopbackHost}:${port(id, 'client')}`));
    const front = await options.system.peerFront?.({ id, host: loopbackHost, seed: options.seed });
    if (front === undefined) throw new Error('the test cluster drives systems with a peer front only');
    links.fronts.set(id, front);
  }
  const front = (id: string): PeerFront => links.fronts.get(id) as PeerFront;
  for (const to of ids) {
    const upstream = `${loopbackHost}:${port(to, 'peer')}`;
    front(to).fallback(await options.proxy.createProxy(`${to}-peer`, upstream));
    for (const from of ids.filter((other) => other !== to)) {
      front(to).route({ id: from, advertise: front(from).address }, await options.proxy.createProxy(pairLink(from, to), upstream));
    }
  }
  return links;
}

/** Starts every node at once (etcd members wait for each other) and waits until each is ready. */
export async function startTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const root = mkdtempSync(join(tmpdir(), `faultline-${options.system.name}-`));
  adoptTemporaryDirectory(root);
  const ids = options.system.nodeIds(options.size);
  const ports = new Map<string, { client: number; peer: number }>();
  for (const id of ids) ports.set(id, { client: await freeLoopbackPort(), peer: await freeLoopbackPort() });
  const port = (id: string, kind: 'client' | 'peer'): number => ports.get(id)?.[kind] ?? 0;
  const { clientProxies, fronts } = await openLinks(options, ids, port);
  const front = (id: string): PeerFront => fronts.get(id) as PeerFront;
  const nodes = new Map<string, Node>();
  for (const id of ids) {
    const context: NodeContext = {
      id,
      listen: { host: loopbackHost, port: port(id, 'client') },
      peerListen: { host: loopbackHost, port: port(id, 'peer') },
      peerAdvertise: front(id).address,
      peers: ids.filter((other) => other !== id).map((other) => ({ id: other, address: front(other).address })),
      dataDir: join(root, id),
      seed: options.seed,
      start: 'first',
    };
    nodes.set(id, { id, context, child: undefined, exited: undefined, stderr: [] });
  }
  const node = (id: string): Node => {
    const found = nodes.get(id);
    if (found === undefined) throw new Error(`no node ${id}`);
    return found;
  };
  const cut = async (a: string, b: string): Promise<void> => {
    await options.proxy.adapter.setEnabled(pairLink(a, b), false);
    await options.proxy.adapter.setEnabled(pairLink(b, a), false);
  };
  const abort = new AbortController();
  const stop = async (): Promise<void> => {
    abort.abort();
    await Promise.all([...nodes.values()].map(killNode));
    await Promise.all([...fronts.values()].map((each) => each.close()));
    await options.proxy.deleteAllProxies().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    releaseTemporaryDirectory(root);
  };
  try {
    for (const each of nodes.values()) spawnNode(each, options);
    await Promise.all([...nodes.values()].map((each) => waitReady(each, options, abort.signal)));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ids,
    clientAddress: (id) => clientProxies.get(id) ?? '',
    peerAddress: (id) => front(id).address,
    directAddress: (id) => `${loopbackHost}:${port(id, 'client')}`,
    kill: (id) => killNode(node(id)),
    restart: async (id) => {
      const restarted = node(id);
      await killNode(restarted);
      restarted.context = { ...restarted.context, start: 'restart' };
      spawnNode(restarted, options);
      await waitReady(restarted, options, abort.signal);
    },
    pause: (id) => void node(id).child?.kill('SIGSTOP'),
    resume: (id) => void node(id).child?.kill('SIGCONT'),
    cut,
    isolate: async (id) => {
      for (const other of ids.filter((each) => each !== id)) await cut(id, other);
    },
    heal: () => options.proxy.reset(),
    pids: () => [...nodes.values()].flatMap((each) => (each.child?.pid === undefined ? [] : [each.child.pid])),
    stop,
  };
}
