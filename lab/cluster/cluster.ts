// startCluster: N branch nodes as real OS processes on 127.0.0.1, optionally with a Toxiproxy proxy on
// every link, and the controls the lab needs (kill -9, restart, pause, resume, snapshot, reset, stop).
// Try: `const cluster = await startCluster({ branches: 3, strategy: 'lock' }); ...; await cluster.stop();`
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import type { BranchState } from '../../models/index.js';
import type { BranchClient, NodeStats, Randomness, SnapshotReply } from '../../proto/index.js';
import { adoptTemporaryDirectory, reclaimTemporaryDirectories, releaseTemporaryDirectory, temporaryDirectoryPrefix } from './children.js';
import { branchIds, clusterLinks, isBranchId, linkName } from '../plan/index.js';
import type { BranchId, Link } from '../plan/index.js';
import { launchNode, listenNode, strategies } from './node-process.js';
import type { AccountBalance, NodeLaunch, NodeProcess, NodeSettings, Strategy } from './node-process.js';
import { loopbackHost } from './ports.js';
import { branchClient, callUnary, isServiceError } from './rpc.js';

export interface ClusterOptions {
  branches: number | BranchId[];
  strategy: Strategy;
  accounts?: AccountBalance[] | undefined;
  /** Each node keeps its state in dataDir/<branch>. Without it, a temporary dir removed by stop(). */
  dataDir?: string | undefined;
  seed?: string | number | undefined;
  bug?: string | undefined;
  /** Every node's tuning flags: SQLite's synchronous, the dedup window, the outbox caps. */
  settings?: NodeSettings | undefined;
  /** Puts a proxy on every link; the caller owns the backend and stops it. */
  proxy?: LinkProxies | undefined;
  startTimeoutMs?: number | undefined;
}

/**
 * The seeds of one run on a cluster (the nodes' and the proxy's parts of the run's seeds): any safe
 * integers, negative ones too. Reset with them, a cluster's randomness does not depend on its earlier runs.
 */
export interface ClusterSeeds {
  nodes: number;
  proxy: number;
}

export interface Cluster {
  readonly branches: BranchId[];
  readonly strategy: Strategy;
  readonly links: Link[];
  readonly dataDir: string;
  /** Where a customer dials: the client-<branch> proxy when proxied, else the node itself. */
  address(branch: BranchId): string;
  nodeAddress(branch: BranchId): string;
  /** One cached channel per branch, dialing address(branch). */
  client(branch: BranchId): BranchClient;
  snapshot(): Promise<BranchState[]>;
  snapshotReplies(): Promise<SnapshotReply[]>;
  /**
   * Wipes every branch back to these accounts under a new epoch, so one cluster serves many runs.
   * With seeds, a seeded proxy is reseeded (which heals it and closes its connections) and every node
   * reseeds its PRNG streams from `seeds.nodes`; a node restarted later starts from that seed too.
   * Without, the nodes reseed from the cluster's launch seed and the proxy is left as it is.
   */
  reset(accounts: AccountBalance[], seeds?: ClusterSeeds): Promise<void>;
  kill(branch: BranchId): Promise<void>;
  restart(branch: BranchId): Promise<void>;
  pause(branch: BranchId): void;
  resume(branch: BranchId): void;
  isRunning(branch: BranchId): boolean;
  isPaused(branch: BranchId): boolean;
  /**
   * Waits, at most a second, until every running branch has its propagation stream up to every other
   * running branch; false if the bound ran out (a link still cut keeps its stream down).
   */
  streamsUp(): Promise<boolean>;
  pids(): Record<BranchId, number>;
  stop(): Promise<void>;
}

/**
 * What a cluster needs of a Toxiproxy backend (lab/proxy's ProxyBackend is one), said here so that
 * lab/proxy may use this folder's process registry without an import cycle.
 */
export interface LinkProxies {
  /** True when reseed() makes the proxy's randomness start again from a seed. */
  readonly seeded: boolean;
  /** Creates a proxy on a port it binds itself; resolves with host:port. */
  createProxy(name: string, upstream: string): Promise<string>;
  /** Points an existing proxy at a new upstream, the node behind it restarted on another port. */
  setUpstream(name: string, upstream: string): Promise<void>;
  reseed(seed: number): Promise<boolean>;
}

export class ClusterOptionsError extends Error {
  readonly code = 'cluster-options';
}

const branchCountMax = 16;
const startTimeoutDefaultMs = 20_000;
const stopGraceMs = 2_000;
const adminCallDeadlineMs = 5_000;
/** The bound of the wait for propagation streams after a Reset, a restart or a heal (see streamsUp). */
const streamsUpMsMax = 1_000;
const streamsPollMs = 20;
/** A Snapshot that meets a dropped connection is asked again, this often at most, this far apart. */
const snapshotAttemptsMax = 3;
const snapshotRetryMs = 50;
const clientReadyAfterRestartMs = 2_000;
const clientReadyAfterResetMs = 2_000;
const accountPattern = /^[A-Za-z0-9_.-]{1,64}$/;

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const branches = resolveBranches(options.branches);
  checkOptions(options);
  const ownsDataDir = options.dataDir === undefined;
  if (ownsDataDir) reclaimOnce();
  const dataDir = options.dataDir ?? mkdtempSync(temporaryDirectoryPrefix('cluster'));
  if (ownsDataDir) adoptTemporaryDirectory(dataDir);
  const timeoutMs = options.startTimeoutMs ?? startTimeoutDefaultMs;
  const startedAt = performance.now();
  const started: NodeProcess[] = [];
  try {
    // Each node binds port 0 and says which port it got; the proxies and the peers are set up from those.
    const listening = await settledAll(branches.map((branch) => {
      const nodeDir = join(dataDir, branch);
      mkdirSync(nodeDir, { recursive: true });
      return listenNode({ id: branch, ...launchSettings(options, nodeDir) }, timeoutMs);
    }), (node) => started.push(node.process));
    const plan = await planAddresses(branches, new Map(listening.map((node) => [node.process.id, node.port])), options.proxy);
    const launches: NodeLaunch[] = listening.map((node) => {
      const id = node.process.id;
      const peers = branches.filter((peer) => peer !== id).map((peer) => ({ id: peer, address: plan.peerAddress(id, peer) }));
      return { id, port: node.port, peers, ...launchSettings(options, join(dataDir, id)) };
    });
    const remainingMs = Math.max(0, timeoutMs - (performance.now() - startedAt));
    await settledAll(listening.map((node, index) => node.serve(launches[index]?.peers ?? [], remainingMs)), () => undefined);
    return new LocalCluster({
      branches, strategy: options.strategy, dataDir, ownsDataDir, launches, nodes: started, clientAddresses: plan.clientAddresses, startTimeoutMs: timeoutMs,
      proxy: options.proxy,
    });
  } catch (error) {
    await Promise.all(started.map((node) => terminate(node)));
    if (ownsDataDir) {
      rmSync(dataDir, { recursive: true, force: true });
      releaseTemporaryDirectory(dataDir);
    }
    throw error;
  }
}

/** A node's settings from the cluster's options, the same at its start and at every restart. */
function launchSettings(options: ClusterOptions, dataDir: string): Omit<NodeLaunch, 'id' | 'port' | 'peers'> {
  return {
    strategy: options.strategy, dataDir, accounts: options.accounts ?? [],
    seed: options.seed === undefined ? undefined : String(options.seed), bug: options.bug, settings: options.settings,
  };
}

/** Waits for every promise; hands each success to `keep` (so it can be cleaned up), then throws the first failure. */
async function settledAll<T>(promises: Promise<T>[], keep: (value: T) => void): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  for (const result of results) if (result.status === 'fulfilled') keep(result.value);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

let reclaimed = false;

/** The first cluster of a process removes the data dirs that processes killed before us left behind. */
function reclaimOnce(): void {
  if (reclaimed) return;
  reclaimed = true;
  reclaimTemporaryDirectories('cluster');
}

function resolveBranches(branches: number | BranchId[]): BranchId[] {
  const count = typeof branches === 'number' ? branches : branches.length;
  if (!Number.isInteger(count) || count < 1 || count > branchCountMax) {
    throw new ClusterOptionsError(`a cluster has 1 to ${branchCountMax} branches, got ${count}`);
  }
  const ids = typeof branches === 'number' ? branchIds(branches) : [...branches];
  for (const id of ids) if (!isBranchId(id)) throw new ClusterOptionsError(`'${id}' is not a branch id (a lowercase letter, then letters or digits)`);
  if (new Set(ids).size !== ids.length) throw new ClusterOptionsError(`branch ids repeat: ${ids.join(',')}`);
  return ids;
}

function checkSeeds(seeds: ClusterSeeds | undefined): void {
  if (seeds === undefined) return;
  for (const [part, seed] of Object.entries(seeds)) {
    if (!Number.isSafeInteger(seed)) throw new ClusterOptionsError(`the ${part} seed must be a safe integer, got ${String(seed)}`);
  }
}

function checkOptions(options: ClusterOptions): void {
  if (!(strategies as readonly string[]).includes(options.strategy)) {
    throw new ClusterOptionsError(`strategy must be one of ${strategies.join('|')}, got '${String(options.strategy)}'`);
  }
  for (const entry of options.accounts ?? []) {
    if (!accountPattern.test(entry.account)) throw new ClusterOptionsError(`'${entry.account}' is not an account name`);
    if (!Number.isSafeInteger(entry.balance) || entry.balance < 0) {
      throw new ClusterOptionsError(`account ${entry.account} needs a whole, non-negative balance, got ${entry.balance}`);
    }
  }
}

interface AddressPlan {
  clientAddresses: Map<BranchId, string>;
  peerAddress(from: BranchId, to: BranchId): string;
}

/** The nodes' own ports are known (each bound port 0); each proxy binds port 0 too, upstream a node. */
async function planAddresses(branches: BranchId[], ports: Map<BranchId, number>, proxy: LinkProxies | undefined): Promise<AddressPlan> {
  const direct = (branch: BranchId): string => `${loopbackHost}:${ports.get(branch) ?? 0}`;
  const proxied = new Map<string, string>();
  if (proxy !== undefined) {
    for (const link of clusterLinks(branches)) proxied.set(link.name, await proxy.createProxy(link.name, direct(link.to)));
  }
  const viaLink = (from: BranchId | 'client', to: BranchId): string => proxied.get(linkName(from, to)) ?? direct(to);
  return {
    clientAddresses: new Map(branches.map((branch) => [branch, viaLink('client', branch)])),
    peerAddress: viaLink,
  };
}

/** SIGTERM, then SIGKILL after a bound; a paused node is continued first so it can see the SIGTERM. */
async function terminate(node: NodeProcess): Promise<void> {
  if (!node.isRunning()) return;
  node.child.kill('SIGCONT');
  node.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), stopGraceMs);
  });
  const outcome = await Promise.race([node.exited, late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    node.child.kill('SIGKILL');
    await node.exited;
  }
}

interface ClusterParts {
  branches: BranchId[];
  strategy: Strategy;
  dataDir: string;
  ownsDataDir: boolean;
  launches: NodeLaunch[];
  nodes: NodeProcess[];
  clientAddresses: Map<BranchId, string>;
  startTimeoutMs: number;
  proxy: LinkProxies | undefined;
}

class LocalCluster implements Cluster {
  readonly branches: BranchId[];
  readonly strategy: Strategy;
  readonly links: Link[];
  readonly dataDir: string;
  private readonly ownsDataDir: boolean;
  private readonly launches = new Map<BranchId, NodeLaunch>();
  private readonly nodes = new Map<BranchId, NodeProcess>();
  private readonly clientAddresses: Map<BranchId, string>;
  private readonly clients = new Map<BranchId, BranchClient>();
  private readonly adminClients = new Map<BranchId, BranchClient>();
  private readonly paused = new Set<BranchId>();
  private readonly startTimeoutMs: number;
  private readonly proxy: LinkProxies | undefined;
  /** The nodes' seed of the latest reset with seeds; a restart launches with it. */
  private nodeSeed: string | undefined;
  private stopping: Promise<void> | undefined;

  constructor(parts: ClusterParts) {
    this.branches = parts.branches;
    this.strategy = parts.strategy;
    this.links = clusterLinks(parts.branches);
    this.dataDir = parts.dataDir;
    this.ownsDataDir = parts.ownsDataDir;
    this.clientAddresses = parts.clientAddresses;
    this.startTimeoutMs = parts.startTimeoutMs;
    this.proxy = parts.proxy;
    for (const launch of parts.launches) this.launches.set(launch.id, launch);
    for (const node of parts.nodes) this.nodes.set(node.id, node);
  }

  address(branch: BranchId): string {
    const address = this.clientAddresses.get(branch);
    if (address === undefined) throw new ClusterOptionsError(`no branch '${branch}' in this cluster`);
    return address;
  }

  nodeAddress(branch: BranchId): string {
    return `${loopbackHost}:${this.launch(branch).port}`;
  }

  client(branch: BranchId): BranchClient {
    return cached(this.clients, branch, () => branchClient(this.address(branch)));
  }

  /** Admin calls go straight to the node, so a faulted proxy never hides the final state. */
  private adminClient(branch: BranchId): BranchClient {
    return cached(this.adminClients, branch, () => branchClient(this.nodeAddress(branch)));
  }

  async snapshotReplies(): Promise<SnapshotReply[]> {
    return Promise.all(this.branches.map((branch) => this.snapshotOf(branch)));
  }

  /**
   * One branch's Snapshot. A node just resumed from a pause may find its admin connection dropped by
   * keepalive while it was stopped; the call that meets that is asked again (a read changes nothing).
   */
  private async snapshotOf(branch: BranchId): Promise<SnapshotReply> {
    for (let attempt = 1; ; attempt += 1) {
      const client = this.adminClient(branch);
      try {
        return await callUnary(client.snapshot.bind(client), {}, adminCallDeadlineMs);
      } catch (error) {
        if (attempt >= snapshotAttemptsMax || !isServiceError(error) || error.code !== status.UNAVAILABLE) throw error;
        await new Promise((resolve) => setTimeout(resolve, snapshotRetryMs));
      }
    }
  }

  async snapshot(): Promise<BranchState[]> {
    return (await this.snapshotReplies()).map(toBranchState);
  }

  /**
   * The proxy goes first: its reseed closes every connection through it, the branches' propagation
   * streams among them. A stream that fails draws a reconnect delay from its node's PRNG, so the
   * nodes are reset only once each has seen its streams go down: that draw then belongs to the old
   * run, and the new run's streams open on new connections, numbered from 1 as on a fresh proxy.
   */
  async reset(accounts: AccountBalance[], seeds?: ClusterSeeds): Promise<void> {
    checkOptions({ branches: this.branches, strategy: this.strategy, accounts });
    checkSeeds(seeds);
    const epoch = Math.max(...(await this.snapshotReplies()).map((reply) => reply.epoch)) + 1;
    const states = accounts.map((entry) => ({ account: entry.account, balance: entry.balance, version: 0 }));
    if (seeds !== undefined && this.proxy?.seeded === true) {
      await this.proxy.reseed(seeds.proxy);
      await this.streamsDown();
    }
    this.nodeSeed = seeds === undefined ? undefined : String(seeds.nodes);
    await Promise.all(this.branches.map((branch) => {
      const client = this.adminClient(branch);
      // Without seeds, the cluster's launch seed, which a restarted node need not have been launched with.
      const seed = this.nodeSeed ?? this.launch(branch).seed ?? '';
      return callUnary(client.reset.bind(client), { accounts: states, epoch, seed }, adminCallDeadlineMs);
    }));
    await this.streamsUp();
    await this.clientsReady();
  }

  /**
   * The customers' channels connect before the run, as they were before the proxy's reseed closed
   * them: a run's first ops then meet a warm connection, not a connection set up under them, whose
   * timing would decide the order in which concurrent ops reach their branches.
   */
  private async clientsReady(): Promise<void> {
    const deadline = new Date(Date.now() + clientReadyAfterResetMs);
    await Promise.all(this.branches.filter((branch) => this.isRunning(branch) && !this.isPaused(branch)).map((branch) => new Promise<void>((resolve) => {
      // A channel that cannot connect in time is no error here: the run's own calls will say so.
      this.client(branch).waitForReady(deadline, () => resolve());
    })));
  }

  /**
   * Waits, at most streamsUpMsMax, until every running branch was seen with none of its propagation
   * streams up (each may reconnect right after, on a new connection); false if the bound ran out.
   */
  private async streamsDown(): Promise<boolean> {
    const waiting = new Set(this.branches.filter((branch) => this.isRunning(branch) && !this.isPaused(branch)));
    const started = performance.now();
    for (;;) {
      const replies = await Promise.all([...waiting].map(async (branch) => ({ branch, reply: await this.snapshotOf(branch) })));
      for (const { branch, reply } of replies) if (reply.peersConnected === 0) waiting.delete(branch);
      if (waiting.size === 0) return true;
      if (performance.now() - started >= streamsUpMsMax) return false;
      await new Promise((resolve) => setTimeout(resolve, streamsPollMs));
    }
  }

  /**
   * Waits, at most streamsUpMsMax, until every running branch has its propagation stream up to every
   * other running branch. After a Reset, a restart or a heal the streams reconnect on their own, after
   * a backoff; a run that went on at once would have its next updates meet a stream still down, and
   * fire-and-forget propagation (unsafe) would lose them or not, as the backoff fell. A link the plan
   * cut keeps its stream down: the wait then ends at its bound, the same bound every time.
   */
  async streamsUp(): Promise<boolean> {
    const live = this.branches.filter((branch) => this.isRunning(branch) && !this.isPaused(branch));
    const started = performance.now();
    for (;;) {
      const replies = await Promise.all(live.map((branch) => this.snapshotOf(branch)));
      if (replies.every((reply) => reply.peersConnected >= live.length - 1)) return true;
      if (performance.now() - started >= streamsUpMsMax) return false;
      await new Promise((resolve) => setTimeout(resolve, streamsPollMs));
    }
  }

  async kill(branch: BranchId): Promise<void> {
    const node = this.node(branch);
    node.child.kill('SIGKILL');
    await node.exited;
    this.paused.delete(branch);
  }

  /**
   * Same port and data dir; the accounts come from the data dir, so no --accounts is passed again.
   * The seed is the latest reset's, so the restarted node draws as the run's seed says.
   */
  /**
   * The same data dir; the accounts come from it, so no --accounts is passed again. The seed is the
   * latest reset's, so the restarted node draws as the run's seed says. Behind proxies the node binds
   * port 0 again and every proxy in front of it is pointed at its new port, so no other process can
   * take its port while it is down; without proxies its peers know only its old port, which it binds again.
   */
  async restart(branch: BranchId): Promise<void> {
    const node = this.node(branch);
    await terminate(node);
    this.paused.delete(branch);
    const launched = this.launch(branch);
    const launch = { ...launched, accounts: [], seed: this.nodeSeed ?? launched.seed };
    if (this.proxy === undefined) {
      this.nodes.set(branch, await launchNode(launch, this.startTimeoutMs));
    } else {
      await this.restartBehindProxies(launch, this.proxy);
    }
    await Promise.all([this.clients.get(branch), this.adminClients.get(branch)].map((client) => waitForReady(client)));
    await this.streamsUp();
  }

  private async restartBehindProxies(launch: NodeLaunch, proxy: LinkProxies): Promise<void> {
    const listening = await listenNode(launch, this.startTimeoutMs);
    this.nodes.set(launch.id, listening.process);
    this.launches.set(launch.id, { ...this.launch(launch.id), port: listening.port });
    const address = `${loopbackHost}:${listening.port}`;
    for (const link of this.links.filter((candidate) => candidate.to === launch.id)) await proxy.setUpstream(link.name, address);
    // The admin channel dialed the old port directly.
    this.adminClients.get(launch.id)?.close();
    this.adminClients.delete(launch.id);
    await listening.serve(launch.peers, this.startTimeoutMs);
  }

  pause(branch: BranchId): void {
    this.node(branch).child.kill('SIGSTOP');
    this.paused.add(branch);
  }

  resume(branch: BranchId): void {
    this.node(branch).child.kill('SIGCONT');
    this.paused.delete(branch);
  }

  isRunning(branch: BranchId): boolean {
    return this.node(branch).isRunning();
  }

  isPaused(branch: BranchId): boolean {
    return this.paused.has(branch) && this.isRunning(branch);
  }

  pids(): Record<BranchId, number> {
    return Object.fromEntries(this.branches.map((branch) => [branch, this.node(branch).pid]));
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopEverything();
    return this.stopping;
  }

  private async stopEverything(): Promise<void> {
    for (const client of [...this.clients.values(), ...this.adminClients.values()]) client.close();
    this.clients.clear();
    this.adminClients.clear();
    await Promise.all([...this.nodes.values()].map((node) => terminate(node)));
    if (this.ownsDataDir) {
      rmSync(this.dataDir, { recursive: true, force: true });
      releaseTemporaryDirectory(this.dataDir);
    }
  }

  private node(branch: BranchId): NodeProcess {
    const node = this.nodes.get(branch);
    if (node === undefined) throw new ClusterOptionsError(`no branch '${branch}' in this cluster`);
    return node;
  }

  private launch(branch: BranchId): NodeLaunch {
    const launch = this.launches.get(branch);
    if (launch === undefined) throw new ClusterOptionsError(`no branch '${branch}' in this cluster`);
    return launch;
  }
}

function cached(clients: Map<BranchId, BranchClient>, branch: BranchId, create: () => BranchClient): BranchClient {
  let client = clients.get(branch);
  if (client === undefined) {
    client = create();
    clients.set(branch, client);
  }
  return client;
}

/** A channel that saw the node die may sit in reconnect backoff; wait (bounded) until it is back. */
function waitForReady(client: BranchClient | undefined): Promise<void> {
  if (client === undefined) return Promise.resolve();
  return new Promise((resolve) => client.waitForReady(Date.now() + clientReadyAfterRestartMs, () => resolve()));
}

export function toBranchState(reply: SnapshotReply): BranchState & { stats?: NodeStats; randomness?: Randomness } {
  return {
    branch: reply.branch,
    accounts: Object.fromEntries(reply.accounts.map((state) => [state.account, { balance: state.balance, version: state.version }])),
    applied: reply.applied.map((key) => ({ requestId: key.requestId, account: key.account, times: key.times })),
    deadLetters: reply.deadLetters,
    outbox: reply.outbox,
    // The node's counters since its Reset: the runner passes them on as nodeStats (faultline compare).
    ...(reply.stats === undefined ? {} : { stats: reply.stats }),
    // What the node's PRNG streams drew since the Reset: equal digests, equal draws (replay checks it).
    ...(reply.randomness === undefined ? {} : { randomness: reply.randomness }),
  };
}
