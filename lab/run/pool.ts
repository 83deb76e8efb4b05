// Keeps real clusters alive across runs, one per branch count, so a run pays for a Reset instead of
// process start and proxy setup. Each cluster has its own Toxiproxy backend, so proxy names never clash.
// Every acquire seeds the nodes and the proxy from the run's seeds, whether the cluster is fresh or
// reused, so a run's randomness depends on its seeds alone, never on the runs before it.
import { startCluster } from '../cluster/index.js';
import type { StallReplay } from './stalls.js';
import type { Cluster } from '../cluster/index.js';
import { startProxyBackend } from '../proxy/index.js';
import type { ProxyBackend, ProxyBackendChoice } from '../proxy/index.js';
import type { Bug, RunSeeds, Strategy } from '../plan/index.js';
import { NemesisFaultDriver } from '../nemesis/index.js';

/** `real`: node processes behind Toxiproxy; `sim`: the same node code in this process, under the simulator. */
export const runModes = ['real', 'sim'] as const;
export type RunMode = (typeof runModes)[number];

/** FAULTLINE_MODE=sim|real for the verbs and the property suites alike (unset: real); undefined when it is neither. */
export function modeFromEnvironment(): RunMode | undefined {
  const value = process.env.FAULTLINE_MODE ?? '';
  if (value === '') return 'real';
  return (runModes as readonly string[]).includes(value) ? (value as RunMode) : undefined;
}

export interface PoolOptions {
  strategy: Strategy;
  /** Default real. In sim no cluster is ever started: every run builds its own simulated one. */
  mode?: RunMode;
  /** Sim only: tie choices drawn before the schedule falls back to FIFO (a shrunk schedule's replay). */
  randomTiesMax?: number | undefined;
  /** Real only: `sim` stops the nodes where the simulator's CPU stalled them in the same plan (stalls.ts). */
  stalls?: StallReplay | undefined;
  bug?: Bug | undefined;
  proxy: ProxyBackendChoice;
  /** false: a fresh cluster for every run (slower, nothing carried over). */
  reuse: boolean;
  /** Called once with a line saying which proxy backend runs. */
  announce?: (line: string) => void;
}

export interface Lease {
  cluster: Cluster;
  driver: NemesisFaultDriver;
  proxy: ProxyBackend;
}

export class ClusterPool {
  private readonly leases = new Map<number, Lease>();
  private announced = false;

  constructor(private readonly options: PoolOptions) {}

  get strategy(): Strategy {
    return this.options.strategy;
  }

  get bug(): Bug | undefined {
    return this.options.bug;
  }

  get mode(): RunMode {
    return this.options.mode ?? 'real';
  }

  get stalls(): StallReplay {
    return this.options.stalls ?? 'none';
  }

  get randomTiesMax(): number | undefined {
    return this.options.randomTiesMax;
  }

  /**
   * A cluster of `branches` nodes, healed and reset to these accounts and to the run's seeds. A fresh
   * cluster is reset too: its start-up (streams failing while peers come up) draws from the nodes'
   * PRNGs and opens proxy connections, and the reset puts both back where a reused cluster's are.
   */
  async acquire(branches: number, accounts: { account: string; balance: number }[], seeds: RunSeeds): Promise<Lease> {
    const existing = this.leases.get(branches);
    if (existing !== undefined && !this.options.reuse) await this.release(branches);
    const lease = existing !== undefined && this.options.reuse ? existing : await this.start(branches, accounts, seeds);
    await lease.driver.healAll();
    await lease.cluster.reset(accounts, { nodes: seeds.nodes, proxy: seeds.proxy });
    return lease;
  }

  private async start(branches: number, accounts: { account: string; balance: number }[], seeds: RunSeeds): Promise<Lease> {
    const proxy = await startProxyBackend({ choice: this.options.proxy, seed: seeds.proxy });
    if (!this.announced) {
      this.announced = true;
      this.options.announce?.(`proxy backend: ${proxy.description}`);
    }
    try {
      const cluster = await startCluster({
        branches,
        strategy: this.options.strategy,
        accounts,
        seed: seeds.nodes,
        proxy,
        ...(this.options.bug === undefined ? {} : { bug: this.options.bug }),
      });
      const lease = { cluster, proxy, driver: new NemesisFaultDriver(cluster, proxy.adapter) };
      this.leases.set(branches, lease);
      return lease;
    } catch (error) {
      await proxy.stop();
      throw error;
    }
  }

  /** Stops and forgets the cluster of this size, after the lab failed on it; the next acquire starts afresh. */
  async discard(branches: number): Promise<void> {
    try {
      await this.release(branches);
    } catch {
      // A cluster whose proxy or nodes already died may fail to stop cleanly; its children are still
      // in the cluster's registry, which kills them when this process exits.
    }
  }

  private async release(branches: number): Promise<void> {
    const lease = this.leases.get(branches);
    if (lease === undefined) return;
    this.leases.delete(branches);
    const stopped = await Promise.allSettled([lease.cluster.stop(), lease.proxy.stop()]);
    const failure = stopped.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
  }

  async close(): Promise<void> {
    for (const branches of [...this.leases.keys()]) await this.release(branches);
  }
}
