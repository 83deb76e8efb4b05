// What the nemesis acts through: the Toxiproxy adapter, the cluster's branch ids and, for process
// faults, the cluster's process controls (typed here by shape, so the nemesis needs no cluster import).
import type { ToxiproxyAdapter } from '../proxy/index.js';
import { clusterLinks } from '../plan/index.js';
import type { BranchId, Link } from '../plan/index.js';

/** The cluster provides these (a Cluster is one); each is done once the node is down, or up and serving, again. */
export interface ProcessControls {
  kill(branch: BranchId): Promise<void> | void;
  restart(branch: BranchId): Promise<void> | void;
  pause(branch: BranchId): Promise<void> | void;
  resume(branch: BranchId): Promise<void> | void;
}

/** What a primitive did, for the nemesis log: plain data. */
export interface NemesisRecord {
  action: string;
  /** Proxies (links) it changed. */
  links: string[];
  /** Toxics it added or removed, by name. */
  toxics: string[];
  nodes: BranchId[];
  /** Why part of it was skipped, when it was (a link another fault already cut, say). */
  note?: string;
}

export interface NemesisContext {
  readonly proxy: ToxiproxyAdapter;
  readonly branches: readonly BranchId[];
  readonly links: readonly Link[];
  readonly processes: ProcessControls | undefined;
  /** The proxy of a link; by default the cluster names each proxy after its link (`client-b1`, `b1-b2`). */
  readonly proxyName: (link: Link) => string;
  /** How many partitions cut each proxy right now, so healing one keeps another's cut in place. */
  readonly cutCounts: Map<string, number>;
  /** Nodes this nemesis killed or paused and has not brought back. */
  readonly downed: Map<BranchId, 'killed' | 'paused'>;
}

export interface NemesisContextOptions {
  proxy: ToxiproxyAdapter;
  branches: readonly BranchId[];
  processes?: ProcessControls;
  proxyName?: (link: Link) => string;
}

export function nemesisContext(options: NemesisContextOptions): NemesisContext {
  return {
    proxy: options.proxy,
    branches: [...options.branches],
    links: clusterLinks(options.branches),
    processes: options.processes,
    proxyName: options.proxyName ?? ((link) => link.name),
    cutCounts: new Map(),
    downed: new Map(),
  };
}

export function record(action: string, parts: Partial<Omit<NemesisRecord, 'action'>> = {}): NemesisRecord {
  return { action, links: parts.links ?? [], toxics: parts.toxics ?? [], nodes: parts.nodes ?? [], ...(parts.note === undefined ? {} : { note: parts.note }) };
}

/** The links with these names; an unknown name is a programmer's error in the plan. */
export function linksNamed(context: NemesisContext, names: readonly string[]): Link[] {
  return names.map((name) => {
    const link = context.links.find((candidate) => candidate.name === name);
    if (link === undefined) throw new Error(`no link '${name}' in a cluster of ${context.branches.join(', ')}`);
    return link;
  });
}

export function requireBranch(context: NemesisContext, branch: BranchId): BranchId {
  if (!context.branches.includes(branch)) throw new Error(`no branch '${branch}' in a cluster of ${context.branches.join(', ')}`);
  return branch;
}

export function requireProcesses(context: NemesisContext): ProcessControls {
  if (context.processes === undefined) throw new Error("process faults need the cluster's process controls");
  return context.processes;
}
