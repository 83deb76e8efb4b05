// Network partitions over the proxies of a cluster's directed links. A cut either disables the
// proxy (calls fail UNAVAILABLE) or blackholes it with timeout-0 toxics (calls fail DEADLINE_EXCEEDED).
// Try: `await isolate(context, 'b2')`, then `await healPartition(context, isolatedLinks(context, 'b2'))`.
import { isToxiproxyError } from '../proxy/index.js';
import type { BranchId, Endpoint, Link } from '../plan/index.js';
import type { CutMethod } from '../plan/index.js';
import { record, requireBranch } from './context.js';
import type { NemesisContext, NemesisRecord } from './context.js';

export { cutMethods } from '../plan/index.js';
export type { CutMethod } from '../plan/index.js';

const blackholeStreams = ['upstream', 'downstream'] as const;

export function blackholeToxicName(stream: (typeof blackholeStreams)[number]): string {
  return `faultline-blackhole-${stream}`;
}

function checkEndpoints(context: NemesisContext, endpoints: readonly Endpoint[]): void {
  for (const endpoint of endpoints) if (endpoint !== 'client') requireBranch(context, endpoint);
}

/** Links from any endpoint of `from` to any branch of `to`: one direction only. */
export function oneWayLinks(context: NemesisContext, from: readonly Endpoint[], to: readonly Endpoint[]): Link[] {
  checkEndpoints(context, [...from, ...to]);
  return context.links.filter((link) => from.includes(link.from) && to.includes(link.to));
}

/** Both directions between two groups; the groups must not overlap. */
export function symmetricLinks(context: NemesisContext, groupA: readonly Endpoint[], groupB: readonly Endpoint[]): Link[] {
  const shared = groupA.filter((endpoint) => groupB.includes(endpoint));
  if (shared.length > 0) throw new Error(`partition groups overlap on ${shared.join(', ')}`);
  return [...oneWayLinks(context, groupA, groupB), ...oneWayLinks(context, groupB, groupA)];
}

/** Every link into or out of a node, the client's included. */
export function isolatedLinks(context: NemesisContext, node: BranchId): Link[] {
  requireBranch(context, node);
  return context.links.filter((link) => link.from === node || link.to === node);
}

/** The minority (fewer than half the branches) and the majority cut apart; clients still reach both sides. */
export function majorityMinorityLinks(context: NemesisContext, minority: readonly BranchId[]): Link[] {
  if (minority.length === 0 || minority.length * 2 >= context.branches.length) {
    throw new Error(`a minority of ${context.branches.length} branches has 1 to ${Math.ceil(context.branches.length / 2) - 1}, got ${minority.length}`);
  }
  const majority = context.branches.filter((branch) => !minority.includes(branch));
  return symmetricLinks(context, majority, minority);
}

/** Cuts each link once however many partitions ask for it; counts let a heal keep the others' cuts. */
export async function cutLinks(context: NemesisContext, links: readonly Link[], mode: CutMethod, action: string): Promise<NemesisRecord> {
  const changed: string[] = [];
  await Promise.all(
    links.map(async (link) => {
      const proxy = context.proxyName(link);
      const key = `${mode}:${proxy}`;
      const count = context.cutCounts.get(key) ?? 0;
      context.cutCounts.set(key, count + 1);
      if (count > 0) return;
      await cutProxy(context, proxy, mode);
      changed.push(proxy);
    }),
  );
  const note = changed.length < links.length ? 'some links were already cut by another fault' : undefined;
  return record(action, { links: changed.sort(), ...(note === undefined ? {} : { note }) });
}

export async function restoreLinks(context: NemesisContext, links: readonly Link[], mode: CutMethod, action: string): Promise<NemesisRecord> {
  const changed: string[] = [];
  await Promise.all(
    links.map(async (link) => {
      const proxy = context.proxyName(link);
      const key = `${mode}:${proxy}`;
      const count = context.cutCounts.get(key) ?? 0;
      if (count > 1) {
        context.cutCounts.set(key, count - 1);
        return;
      }
      context.cutCounts.delete(key);
      await restoreProxy(context, proxy, mode);
      changed.push(proxy);
    }),
  );
  const note = changed.length < links.length ? 'some links stay cut by another fault' : undefined;
  return record(action, { links: changed.sort(), ...(note === undefined ? {} : { note }) });
}

async function cutProxy(context: NemesisContext, proxy: string, mode: CutMethod): Promise<void> {
  if (mode === 'disable') {
    await context.proxy.setEnabled(proxy, false);
    return;
  }
  for (const stream of blackholeStreams) {
    try {
      await context.proxy.addToxic(proxy, { name: blackholeToxicName(stream), type: 'timeout', stream, attributes: { timeout: 0 } });
    } catch (error) {
      if (!isToxiproxyError(error, 'conflict')) throw error;
    }
  }
}

/** Removing a blackhole closes the connections it held, as the real server does; clients reconnect. */
async function restoreProxy(context: NemesisContext, proxy: string, mode: CutMethod): Promise<void> {
  if (mode === 'disable') {
    await context.proxy.setEnabled(proxy, true);
    return;
  }
  for (const stream of blackholeStreams) {
    try {
      await context.proxy.removeToxic(proxy, blackholeToxicName(stream));
    } catch (error) {
      if (!isToxiproxyError(error, 'not-found')) throw error;
    }
  }
}

export function partition(context: NemesisContext, groupA: readonly Endpoint[], groupB: readonly Endpoint[], mode: CutMethod = 'disable'): Promise<NemesisRecord> {
  return cutLinks(context, symmetricLinks(context, groupA, groupB), mode, `partition ${groupA.join(',')} | ${groupB.join(',')}`);
}

/** A one-way (asymmetric) partition: traffic from `from` to `to` is cut, the other direction flows. */
export function partitionOneWay(context: NemesisContext, from: readonly Endpoint[], to: readonly Endpoint[], mode: CutMethod = 'disable'): Promise<NemesisRecord> {
  return cutLinks(context, oneWayLinks(context, from, to), mode, `partition one-way ${from.join(',')} -> ${to.join(',')}`);
}

export function isolate(context: NemesisContext, node: BranchId, mode: CutMethod = 'disable'): Promise<NemesisRecord> {
  return cutLinks(context, isolatedLinks(context, node), mode, `isolate ${node}`);
}

export function splitMajority(context: NemesisContext, minority: readonly BranchId[], mode: CutMethod = 'disable'): Promise<NemesisRecord> {
  return cutLinks(context, majorityMinorityLinks(context, minority), mode, `split off minority ${minority.join(',')}`);
}

export function healPartition(context: NemesisContext, links: readonly Link[], mode: CutMethod = 'disable'): Promise<NemesisRecord> {
  return restoreLinks(context, links, mode, `heal ${links.length} links`);
}
