// A simulated cluster: the bank's own Branch, store, strategies and handlers for every branch, in
// this process, each a SimProcess with its own SimClock and a transport over the simulated network.
// It has what the runner needs of a cluster: a client per branch, snapshot, streamsUp, and the
// process faults (kill -9 drops the Branch and reopens its store at its last commit; pause holds
// its events). Try it: `const world = await SimWorld.create(options); await world.loop.run(async () => { ... })`.
import seedrandom from 'seedrandom';
import { status } from '@grpc/grpc-js';
import type { BranchState } from '../../models/index.js';
import { channelOptions } from '../../proto/index.js';
import type { BranchClient, BranchServer } from '../../proto/index.js';
import { toBranchState } from '../cluster/index.js';
import {
  Branch, branchHandlers, CallRecorder, dedupWindowMsDefault, MemoryDisk, outboxBytesMaxDefault, outboxRowsMaxDefault, RecentCalls, Store,
} from '../systems/bank/index.js';
import type { BranchStub, NodeConfig, NodeRuntime } from '../systems/bank/index.js';
import type { Bug, BranchId, Strategy } from '../plan/index.js';
import { simBranchClient } from './calls.js';
import type { Endpoints } from './calls.js';
import { SimClock } from './clock.js';
import { SimLoop, SimProcess } from './loop.js';
import type { LoopOptions } from './loop.js';
import { Network } from './network.js';

/** streamsUp polls this often (virtual ms), at most streamsUpMsMax. */
export const streamsPollMs = 10;
export const streamsUpMsMax = 3_000;

export interface WorldOptions extends LoopOptions {
  branches: readonly BranchId[];
  strategy: Strategy;
  bug?: Bug | undefined;
  accounts: readonly { account: string; balance: number }[];
  /** The nodes' seed (RunSeeds.nodes): every branch's PRNG streams. */
  nodeSeed: string;
  /** Node log lines; dropped by default. */
  log?: (line: string) => void;
  /**
   * Wraps a branch's runtime before its node starts: how a test plants a source of nondeterminism
   * (a real Date.now behind the clock) to show the determinism check catching it.
   */
  runtimeFor?: (branch: BranchId, runtime: NodeRuntime) => NodeRuntime;
}

class SimNode {
  readonly process: SimProcess;
  branch: Branch | undefined;
  handlers: BranchServer | undefined;
  /** The node's database between its lives: what its last store committed. */
  readonly disk = new MemoryDisk();

  constructor(readonly id: BranchId, readonly config: NodeConfig) {
    this.process = new SimProcess(id);
  }
}

export class SimWorld {
  readonly loop: SimLoop;
  readonly network: Network;
  readonly labClock: SimClock;
  private readonly nodes = new Map<BranchId, SimNode>();
  private readonly clients = new Map<BranchId, BranchClient>();

  constructor(readonly options: WorldOptions) {
    this.loop = new SimLoop(options);
    this.labClock = new SimClock(this.loop, undefined);
    this.network = new Network(this.loop, seedrandom(`${options.seed}/simulator/network`), {
      process: (branch) => {
        const node = this.nodes.get(branch);
        return node?.branch === undefined ? undefined : node.process;
      },
    });
    for (const id of options.branches) {
      const config: NodeConfig = {
        id, host: '127.0.0.1', port: 0, peers: options.branches.filter((peer) => peer !== id).map((peer) => ({ id: peer, address: peer })),
        strategy: options.strategy, dataDir: `(memory)/${id}`, accounts: options.accounts.map((entry) => ({ ...entry })),
        seed: options.nodeSeed, bug: options.bug, dedupWindowMs: dedupWindowMsDefault, outboxRowsMax: outboxRowsMaxDefault,
        outboxBytesMax: outboxBytesMaxDefault, synchronous: 'normal',
      };
      this.nodes.set(id, new SimNode(id, config));
    }
  }

  get branches(): readonly BranchId[] {
    return this.options.branches;
  }

  /** Starts every branch; called from inside loop.run, so their first timers are events. */
  startAll(): void {
    for (const node of this.nodes.values()) this.boot(node);
  }

  /** A customer's client of this branch, over the link client-<branch>. */
  client(branch: BranchId): BranchClient {
    let client = this.clients.get(branch);
    if (client === undefined) {
      // The simulated client has the methods the lab calls, with grpc-js's shapes; not the whole class.
      client = simBranchClient(this.endpoints(undefined), 'client', branch, channelOptions) as unknown as BranchClient;
      this.clients.set(branch, client);
    }
    return client;
  }

  isRunning(branch: BranchId): boolean {
    return this.node(branch).branch !== undefined;
  }

  isPaused(branch: BranchId): boolean {
    return this.node(branch).process.paused;
  }

  /**
   * Every branch's state as Snapshot reports it, after its open commit. Each is read by an event of the
   * branch's own process, as the Snapshot call is served: a branch off its CPU answers when it is back,
   * after what it had due before (a deferred apply), not with the state it was stopped in.
   */
  async snapshot(): Promise<BranchState[]> {
    const replies = [];
    for (const node of this.nodes.values()) {
      const branch = node.branch;
      if (branch === undefined) continue;
      const reply = await new Promise<ReturnType<Branch['snapshot']>>((resolve) => this.loop.at(0, node.process, `snapshot ${node.id}`, () => resolve(branch.snapshot())));
      await branch.store.durable().catch(() => undefined);
      replies.push(reply);
    }
    return replies.map(toBranchState);
  }

  /** Waits (bounded, in virtual time) until every running branch has a stream up to every other. */
  async streamsUp(): Promise<boolean> {
    for (let waited = 0; ; waited += streamsPollMs) {
      const live = [...this.nodes.values()].filter((node) => node.branch !== undefined && !node.process.paused);
      if (live.every((node) => (node.branch?.peersConnected ?? 0) >= live.length - 1)) return true;
      if (waited >= streamsUpMsMax) return false;
      await this.labClock.sleep(streamsPollMs);
    }
  }

  /** kill -9: nothing of the process runs again; its store keeps its last commit; its connections reset. */
  kill(branch: BranchId): void {
    const node = this.node(branch);
    if (node.branch === undefined) return;
    this.loop.trace.event(this.loop.now, `kill ${branch}`);
    // Before the generation moves: what the resets tell the dead process's own calls belongs to it and never runs.
    for (const link of this.network.linksOf(branch)) this.network.fail(link, status.UNAVAILABLE, 'Connection reset (the process died)');
    node.process.generation += 1;
    node.process.paused = false;
    node.process.held.length = 0;
    node.process.busyUntil = 0;
    node.branch.store.crash();
    node.branch = undefined;
    node.handlers = undefined;
  }

  restart(branch: BranchId): void {
    const node = this.node(branch);
    if (node.branch !== undefined) return;
    this.loop.trace.event(this.loop.now, `restart ${branch}`);
    this.boot(node);
  }

  /**
   * SIGSTOP: its events wait; each connection's keepalive notices the silence when its next ping goes
   * unanswered (1 to 3 s) and closes it. What already reached the stopped node's socket is still read
   * when it resumes (the proxy closes its side in order, after the data), and its replies go nowhere.
   */
  pause(branch: BranchId): void {
    const node = this.node(branch);
    if (node.branch === undefined || node.process.paused) return;
    node.process.paused = true;
    this.loop.trace.event(this.loop.now, `pause ${branch}`);
    const generation = node.process.generation;
    for (const link of this.network.linksOf(branch)) {
      this.loop.at(this.network.keepaliveNoticeMs(link.connection), undefined, `keepalive ${link.name}`, () => {
        if (!node.process.paused || node.process.generation !== generation) return;
        this.network.fail(link, status.UNAVAILABLE, 'Keepalive timeout: the peer is stopped', 'close');
      });
    }
  }

  resume(branch: BranchId): void {
    const node = this.node(branch);
    if (!node.process.paused) return;
    node.process.paused = false;
    this.loop.trace.event(this.loop.now, `resume ${branch}`);
    this.loop.release(node.process);
  }

  /** Closes every store; the world is unusable after. */
  close(): void {
    for (const node of this.nodes.values()) {
      node.branch?.store.crash();
      node.branch = undefined;
    }
  }

  private node(branch: BranchId): SimNode {
    const node = this.nodes.get(branch);
    if (node === undefined) throw new Error(`the simulated cluster has no branch '${branch}'`);
    return node;
  }

  private boot(node: SimNode): void {
    const log = this.options.log ?? (() => undefined);
    const simulated: NodeRuntime = {
      // A clock for this life of the node: what the life before the kill still arms never fires.
      clock: new SimClock(this.loop, node.process),
      transport: { branchClient: (address, options) => simBranchClient(this.endpoints(node.process), node.id, address, options) as unknown as BranchStub },
    };
    const runtime = this.options.runtimeFor?.(node.id, simulated) ?? simulated;
    const store = Store.openInMemory(node.disk, node.config.accounts, runtime.clock);
    const branch = new Branch(node.config, store, (line) => log(`${node.id}: ${line}`), runtime);
    node.handlers = branchHandlers(branch, new CallRecorder(new RecentCalls(), log, runtime.clock));
    node.branch = branch;
    branch.start();
  }

  private endpoints(caller: SimProcess | undefined): Endpoints {
    return {
      loop: this.loop,
      network: this.network,
      caller,
      handlers: (branch) => {
        const node = this.nodes.get(branch);
        return node?.handlers === undefined ? undefined : { process: node.process, handlers: node.handlers };
      },
    };
  }
}
