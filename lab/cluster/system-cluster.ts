// Any System's nodes as real processes on loopback, every client link (and, for a system whose nodes
// talk, every ordered pair of nodes) through a proxy named after its link (`client-n1`, `n1-n2`), so
// the one Nemesis cuts and slows them as it does the bank's. Kill -9, restart from the data dir, pause
// and resume; children and data dirs are adopted, so none outlives faultline.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeContext, PeerFront, System } from '../systems/index.js';
import { adoptChild, adoptTemporaryDirectory, releaseTemporaryDirectory } from './children.js';
import { freeLoopbackPort, loopbackHost } from './ports.js';
import { waitForServing } from './rpc.js';

export const nodeReadyMsDefault = 20_000;
const readyProbeMs = 500;
const readyPollMs = 100;
const stderrLinesMax = 5;
/** After a heal, how long the lab waits for every node to serve again before it goes on regardless. */
const settleMsMax = 10_000;

/** A node that exited before it served, or never served: the system's start-up is at fault, not the lab. */
export class SystemStartError extends Error {
  constructor(readonly code: 'node-exited' | 'node-not-ready' | 'node-launch', message: string) {
    super(message);
  }
}

export function isSystemStartError(error: unknown): error is SystemStartError {
  return error instanceof SystemStartError;
}

interface SystemNode {
  id: string;
  context: NodeContext;
  child: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
  stderr: string[];
}

/**
 * What a System's cluster needs of a Toxiproxy backend (lab/proxy's ProxyBackend is one), said here as
 * LinkProxies is, so that lab/proxy may use this folder's process registry without an import cycle.
 */
export interface SystemLinkProxies {
  /** Creates a proxy on a port it binds itself; resolves with host:port. */
  createProxy(name: string, upstream: string): Promise<string>;
  deleteAllProxies(): Promise<void>;
}

export interface SystemClusterOptions {
  system: System;
  size: number;
  seed: number;
  /** The run's workload, handed to every node's launch. */
  workload: string;
  proxy: SystemLinkProxies;
  readyMs?: number;
  /** Told every pid the cluster starts (tests prove none outlives it). */
  onSpawn?: (pid: number) => void;
}

/** A running cluster of a System: what the runner, the nemesis (as its target) and the judge need. */
export interface SystemCluster {
  readonly branches: readonly string[];
  /** The client link's proxy of each node: where the workload's clients call. */
  clientAddress(id: string): string;
  /** Each node's own client address, not proxied: for final states. */
  directAddresses(): Record<string, string>;
  /** The address the node's peers dial: its peer front's, where the system has one; else ''. */
  peerAddress(id: string): string;
  kill(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  pause(id: string): void;
  resume(id: string): void;
  /** True once every node serves again (bounded): the nemesis's settle. */
  streamsUp(): Promise<boolean>;
  pids(): number[];
  stop(): Promise<void>;
}

function address(where: { host: string; port: number }): string {
  return `${where.host}:${where.port}`;
}

function launchOf(node: SystemNode, system: System): ReturnType<System['launch']> {
  try {
    return system.launch(node.context);
  } catch (error) {
    throw new SystemStartError('node-launch', `${system.name} cannot launch ${node.id}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function spawnNode(node: SystemNode, options: SystemClusterOptions): void {
  const launch = launchOf(node, options.system);
  const child = spawn(launch.command, launch.args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...launch.env } });
  adoptChild(child);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  node.child = child;
  node.stderr = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    node.stderr.push(...chunk.split('\n').filter((line) => line.trim().length > 0));
    node.stderr.splice(0, Math.max(0, node.stderr.length - stderrLinesMax));
  });
  // 'close', not 'exit': it comes after stderr's last bytes, which say why a node stopped. A command
  // that does not exist fails with 'error' and no 'close'.
  node.exited = new Promise((resolve) => {
    child.once('close', (code) => resolve(code));
    child.once('error', (error) => {
      node.stderr.push(error.message);
      resolve(null);
    });
  });
}

async function probe(system: System, where: string, deadlineMs: number): Promise<boolean> {
  if (system.readiness.kind === 'probe') return system.readiness.ready(where, deadlineMs);
  return waitForServing(where, deadlineMs).then(() => true, () => false);
}

async function waitReady(node: SystemNode, options: SystemClusterOptions, abort: AbortSignal): Promise<void> {
  const readyMs = options.readyMs ?? nodeReadyMsDefault;
  const deadline = performance.now() + readyMs;
  let exitCode: number | null | undefined;
  void node.exited?.then((code) => (exitCode = code));
  while (performance.now() < deadline && !abort.aborted) {
    if (exitCode !== undefined) {
      const why = node.stderr.at(-1) ?? 'no output';
      throw new SystemStartError('node-exited', `${options.system.name} node ${node.id} exited with code ${String(exitCode)} before it was ready: ${why.slice(0, 300)}`);
    }
    if (await probe(options.system, address(node.context.listen), readyProbeMs)) return;
    await new Promise((resolve) => setTimeout(resolve, readyPollMs));
  }
  throw new SystemStartError('node-not-ready', `${options.system.name} node ${node.id} was not ready within ${readyMs} ms`);
}

/** SIGTERM (after SIGCONT, for a paused node), then SIGKILL after the system's grace. */
async function stopNode(node: SystemNode, graceMs: number): Promise<void> {
  const { child, exited } = node;
  if (child === undefined || exited === undefined) return;
  child.kill('SIGCONT');
  child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  node.child = undefined;
}

interface Ports {
  client: number;
  peer: number | undefined;
}

/** The client proxy of each node; for peer traffic, a proxy per ordered pair and, where the system has one, a peer front per node. */
async function openLinks(options: SystemClusterOptions, ids: readonly string[], ports: Map<string, Ports>): Promise<{ clients: Map<string, string>; peers: Map<string, Map<string, string>>; fronts: Map<string, PeerFront> }> {
  const { proxy, system } = options;
  const port = (id: string): Ports => ports.get(id) as Ports;
  const clients = new Map<string, string>();
  const peers = new Map<string, Map<string, string>>();
  const fronts = new Map<string, PeerFront>();
  for (const id of ids) clients.set(id, await proxy.createProxy(`client-${id}`, `${loopbackHost}:${port(id).client}`));
  if (system.peerLinks === 'none') return { clients, peers, fronts };
  for (const id of ids) {
    const front = await system.peerFront?.({ id, host: loopbackHost, seed: options.seed });
    if (front !== undefined) fronts.set(id, front);
  }
  for (const to of ids) {
    const upstream = `${loopbackHost}:${port(to).peer ?? port(to).client}`;
    const front = fronts.get(to);
    if (front !== undefined) front.fallback(await proxy.createProxy(`${to}-peer`, upstream));
    for (const from of ids.filter((other) => other !== to)) {
      const pair = await proxy.createProxy(`${from}-${to}`, upstream);
      const sender = fronts.get(from);
      if (front !== undefined && sender !== undefined) front.route({ id: from, advertise: sender.address }, pair);
      if (!peers.has(from)) peers.set(from, new Map());
      peers.get(from)?.set(to, front?.address ?? pair);
    }
  }
  return { clients, peers, fronts };
}

function contextOf(id: string, ids: readonly string[], root: string, ports: Ports, links: Awaited<ReturnType<typeof openLinks>>, options: SystemClusterOptions): NodeContext {
  const front = links.fronts.get(id);
  return {
    id,
    listen: { host: loopbackHost, port: ports.client },
    ...(ports.peer === undefined ? {} : { peerListen: { host: loopbackHost, port: ports.peer } }),
    ...(front === undefined ? {} : { peerAdvertise: front.address }),
    peers: ids.filter((other) => other !== id).map((other) => ({ id: other, address: links.peers.get(id)?.get(other) ?? '' })),
    dataDir: join(root, id),
    seed: options.seed,
    start: 'first',
    workload: options.workload,
  };
}

/** Starts every node at once (etcd's members wait for each other) and waits until each serves. */
export async function startSystemCluster(options: SystemClusterOptions): Promise<SystemCluster> {
  const { system } = options;
  const root = mkdtempSync(join(tmpdir(), `faultline-${system.name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  adoptTemporaryDirectory(root);
  const ids = system.nodeIds(options.size);
  const ports = new Map<string, Ports>();
  // A system with a peer front (etcd) listens for peers on a port of its own; any other dials its peers' client port.
  const peerPort = system.peerLinks === 'pair' && system.peerFront !== undefined;
  for (const id of ids) ports.set(id, { client: await freeLoopbackPort(), peer: peerPort ? await freeLoopbackPort() : undefined });
  const abort = new AbortController();
  const nodes = new Map<string, SystemNode>();
  let links: Awaited<ReturnType<typeof openLinks>> | undefined;
  const stop = async (): Promise<void> => {
    abort.abort();
    await Promise.all([...nodes.values()].map((node) => stopNode(node, system.stopGraceMs)));
    await Promise.all([...(links?.fronts.values() ?? [])].map((front) => front.close()));
    await options.proxy.deleteAllProxies().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
    releaseTemporaryDirectory(root);
  };
  try {
    links = await openLinks(options, ids, ports);
    for (const id of ids) nodes.set(id, { id, context: contextOf(id, ids, root, ports.get(id) as Ports, links, options), child: undefined, exited: undefined, stderr: [] });
    for (const node of nodes.values()) spawnNode(node, options);
    await Promise.all([...nodes.values()].map((node) => waitReady(node, options, abort.signal)));
  } catch (error) {
    await stop();
    throw error;
  }
  const opened = links;
  const node = (id: string): SystemNode => {
    const found = nodes.get(id);
    if (found === undefined) throw new Error(`no node '${id}' in a cluster of ${ids.join(', ')}`);
    return found;
  };
  return {
    branches: ids,
    clientAddress: (id) => opened.clients.get(id) ?? '',
    directAddresses: () => Object.fromEntries(ids.map((id) => [id, address(node(id).context.listen)])),
    peerAddress: (id) => opened.fronts.get(id)?.address ?? '',
    kill: (id) => stopNode(node(id), 0),
    restart: async (id) => {
      const restarted = node(id);
      await stopNode(restarted, 0);
      restarted.context = { ...restarted.context, start: 'restart' };
      spawnNode(restarted, options);
      await waitReady(restarted, options, abort.signal);
    },
    pause: (id) => void node(id).child?.kill('SIGSTOP'),
    resume: (id) => void node(id).child?.kill('SIGCONT'),
    streamsUp: async () => {
      const deadline = performance.now() + settleMsMax;
      for (const each of nodes.values()) {
        while (!(await probe(system, address(each.context.listen), readyProbeMs))) {
          if (performance.now() > deadline) return false;
          await new Promise((resolve) => setTimeout(resolve, readyPollMs));
        }
      }
      return true;
    },
    pids: () => [...nodes.values()].flatMap((each) => (each.child?.pid === undefined ? [] : [each.child.pid])),
    stop,
  };
}
