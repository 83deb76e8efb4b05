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

/**
 * The branch that serializes every operation on `account` in the bank: the one whose id sorts first.
 * It grants leases (lock), answers compare-and-sets (lock-free) and replicates to the others. It is a
 * function of the account so that it can become per-account later; with one sequencer for all
 * accounts, a transfer's two updates are one SQLite transaction. Declared here, with the topology,
 * because the plan generator aims the read-after-write workload's partitions at it (lab/gen).
 */
export function serializationPoint(account: string, branches: readonly BranchId[]): BranchId {
  void account;
  const first = [...branches].sort()[0];
  if (first === undefined) throw new Error('serializationPoint: no branches');
  return first;
}

/** The branches that serialize the writes of these accounts (the bank's primaries, in Jepsen's words). */
export function serializationPoints(accounts: readonly string[], branches: readonly BranchId[]): BranchId[] {
  return [...new Set(accounts.map((account) => serializationPoint(account, branches)))];
}
