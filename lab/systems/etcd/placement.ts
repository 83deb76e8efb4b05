// Where etcd's register ops go while a partition is in force: a read to a member the partition cuts off
// from the majority (its clients still reach it), a write or cas to the majority, which goes on
// committing. A serializable read there answers from the member's own stale state (etcd's documented
// caveat); a linearizable one cannot be served there. Try it: `npx vitest run lab/systems/etcd/placement.test.ts`.
import { linkName } from '../../plan/index.js';
import type { DrawnOp, OpPlacement } from '../index.js';

/** The two sides of a partition in force, each kept to the members that still serve. */
export interface MinoritySplit {
  /** Cut off from the majority both ways, not killed or paused, and reachable by clients. */
  minority: string[];
  /** The rest of the partition, a quorum of live members. */
  majority: string[];
}

/** The first partition in force that leaves a live quorum on one side and a reachable minority on the other. */
export function minoritySplit(at: Pick<OpPlacement, 'nodes' | 'faults'>): MinoritySplit | undefined {
  const down = new Set(at.faults.flatMap((fault) => (fault.kind === 'kill' || fault.kind === 'pause' ? [fault.node] : [])));
  const cut = new Set(at.faults.flatMap((fault) => (fault.kind === 'partition' ? fault.links : [])));
  for (const fault of at.faults) {
    if (fault.kind !== 'partition') continue;
    const [small, large] = fault.from.length < fault.to.length ? [fault.from, fault.to] : [fault.to, fault.from];
    // A one-way cut leaves raft a way round (etcd sends over whichever connection of a pair works): only a cut both ways splits.
    const severed = small.every((one) => large.every((other) => cut.has(linkName(one, other)) && cut.has(linkName(other, one))));
    if (!severed || small.length * 2 >= at.nodes.length) continue;
    const minority = small.filter((node) => !down.has(node) && !cut.has(linkName('client', node)));
    const majority = large.filter((node) => !down.has(node));
    if (minority.length > 0 && majority.length * 2 > at.nodes.length) return { minority, majority };
  }
  return undefined;
}

/** A register op's node: its home, unless a partition is in force and the home is on the other side. */
export function placeRegisterOp(op: DrawnOp, at: OpPlacement): string {
  const split = minoritySplit(at);
  if (split === undefined) return at.home;
  const side = op.f === 'read' ? split.minority : split.majority;
  return side.includes(at.home) ? at.home : (side[at.client % side.length] as string);
}

/** Members a client cannot use now: killed, paused, unreachable by clients, or cut off from the rest both ways. */
function awayMembers(at: Pick<OpPlacement, 'nodes' | 'faults'>): Set<string> {
  const away = new Set(at.faults.flatMap((fault) => (fault.kind === 'kill' || fault.kind === 'pause' ? [fault.node] : [])));
  const cut = new Set(at.faults.flatMap((fault) => (fault.kind === 'partition' ? fault.links : [])));
  for (const node of at.nodes) if (cut.has(linkName('client', node))) away.add(node);
  for (const fault of at.faults) {
    if (fault.kind !== 'partition') continue;
    const small = fault.from.length < fault.to.length ? fault.from : fault.to;
    const large = small === fault.from ? fault.to : fault.from;
    if (small.every((one) => large.every((other) => cut.has(linkName(one, other)) && cut.has(linkName(other, one))))) for (const node of small) away.add(node);
  }
  return away;
}

/**
 * A lock client's increment and release: its home, unless its home member is killed, paused or cut off;
 * then another member, when a quorum of them is left. Its acquire stays home, and so do its lease's
 * keep-alives (client.ts), so the lease can lapse while the holder goes on working elsewhere, the way a
 * holder paused past its TTL does: etcd documents that such a holder still believes it holds the lock.
 */
export function placeLockOp(op: DrawnOp, at: OpPlacement): string {
  if (op.f === 'acquire') return at.home;
  const away = awayMembers(at);
  const live = at.nodes.filter((node) => !away.has(node));
  if (!away.has(at.home) || live.length * 2 <= at.nodes.length) return at.home;
  return live[at.client % live.length] as string;
}
