// Names of the links of a cluster. Every link is one direction: the client to a branch, or one
// branch to another, so a proxy on each can cut one direction alone (a one-way partition).

export type BranchId = string;
export type Endpoint = 'client' | BranchId;

export interface Link {
  name: string;
  from: Endpoint;
  to: BranchId;
}

const branchIdPattern = /^[a-z][a-z0-9]{0,15}$/;

export function isBranchId(text: string): boolean {
  return branchIdPattern.test(text) && text !== 'client';
}

/** Branch ids of an N-branch cluster: b1, b2, ... */
export function branchIds(count: number): BranchId[] {
  return Array.from({ length: count }, (_, index) => `b${index + 1}`);
}

export function linkName(from: Endpoint, to: BranchId): string {
  return `${from}-${to}`;
}

/** Every link of a cluster: client to each branch, and each ordered pair of branches. */
export function clusterLinks(branches: readonly BranchId[]): Link[] {
  const links: Link[] = branches.map((to) => ({ name: linkName('client', to), from: 'client', to }));
  for (const from of branches) {
    for (const to of branches) {
      if (from !== to) links.push({ name: linkName(from, to), from, to });
    }
  }
  return links;
}

/**
 * The links a partition of this shape cuts, between the groups `from` and `to`: both directions, or
 * (one-way) only from `from` to `to`; isolating a node cuts its client link too.
 */
export function partitionLinks(mode: 'symmetric' | 'one-way' | 'isolate' | 'majority', from: readonly BranchId[], to: readonly BranchId[]): string[] {
  const links = to.flatMap((other) => from.map((one) => linkName(one, other)));
  if (mode !== 'one-way') links.push(...to.flatMap((other) => from.map((one) => linkName(other, one))));
  if (mode === 'isolate') links.push(...from.map((node) => linkName('client', node)));
  return links;
}
