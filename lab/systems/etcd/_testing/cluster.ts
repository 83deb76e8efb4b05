// A test-level handle on a System's cluster (lab/cluster's startSystemCluster, as the runner starts
// it), with the controls the etcd tests drive by hand: cut a pair, isolate a node's peer links, heal.
// Nothing it starts outlives a test.
import { startSystemCluster } from '../../../cluster/index.js';
import type { ProxyBackend } from '../../../proxy/index.js';
import type { System } from '../../index.js';

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

export async function startTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const { argumentsFor } = options;
  const system: System = argumentsFor === undefined ? options.system : {
    ...options.system,
    launch: (context) => {
      const launch = options.system.launch(context);
      return { ...launch, args: argumentsFor(context.id, launch.args) };
    },
  };
  const cluster = await startSystemCluster({
    system, size: options.size, seed: options.seed, workload: 'register', proxy: options.proxy,
    ...(options.readyDeadlineMs === undefined ? {} : { readyMs: options.readyDeadlineMs }),
    ...(options.onSpawn === undefined ? {} : { onSpawn: options.onSpawn }),
  });
  const ids = [...cluster.branches];
  const cut = async (a: string, b: string): Promise<void> => {
    await options.proxy.adapter.setEnabled(`${a}-${b}`, false);
    await options.proxy.adapter.setEnabled(`${b}-${a}`, false);
  };
  return {
    ids,
    clientAddress: (id) => cluster.clientAddress(id),
    peerAddress: (id) => cluster.peerAddress(id),
    directAddress: (id) => cluster.directAddresses()[id] ?? '',
    kill: (id) => cluster.kill(id),
    restart: (id) => cluster.restart(id),
    pause: (id) => cluster.pause(id),
    resume: (id) => cluster.resume(id),
    cut,
    isolate: async (id) => {
      for (const other of ids.filter((each) => each !== id)) await cut(id, other);
    },
    heal: () => options.proxy.reset(),
    pids: () => cluster.pids(),
    stop: () => cluster.stop(),
  };
}
