// The etcd workloads: register (linearizable reads), serializable-reads (the same ops, reads served
// from the member's own state, which etcd documents as possibly stale) and lock (etcd's Lock service
// with a leased lock around a read-modify-write). `ops` gives the op sequence of one client; the lab
// draws it once per client, which keeps a lock client's acquire, incr and release in order.
import fc from 'fast-check';
import type { Claims } from '../../../models/index.js';
import type { SystemOp, SystemWorkload, WorkloadConstraints } from '../index.js';
import { checkMutualExclusion, keyedRegisterModel, lockModel } from './models.js';
import { placeLockOp, placeRegisterOp } from './placement.js';

type PlannedOp = Omit<SystemOp, 'client' | 'node' | 'retries'>;

/** Register values come from a small range, so that a cas often finds the value it expects. */
const registerValueMax = 4;
/** Under high contention every client works on at most this many keys. */
const hotKeysMax = 2;
/** The one lock and the one counter of the lock workload. */
export const lockName = 'mutex';
export const counterKey = 'counter';

const noClaims: Claims = {
  linearizable: false, conservation: false, nonNegative: false, convergence: false,
  liveness: false, exactlyOnce: false, noDeadLetters: false, resolvesUnknownByAppliedSet: false,
};

/** Each client's share of the run's ops, at least one. */
export function opsPerClient(constraints: WorkloadConstraints): number {
  return Math.max(1, Math.ceil(constraints.opsMax / Math.max(1, constraints.clients)));
}

export function keysOf(constraints: WorkloadConstraints): string[] {
  const count = Math.max(1, constraints.contention === 'high' ? Math.min(hotKeysMax, constraints.objectsMax) : constraints.objectsMax);
  return Array.from({ length: count }, (_, index) => `k${index}`);
}

function registerOps(serializable: boolean) {
  return (constraints: WorkloadConstraints): fc.Arbitrary<PlannedOp[]> => {
    const key = fc.constantFrom(...keysOf(constraints));
    const value = fc.integer({ min: 0, max: registerValueMax });
    const read = (k: string): PlannedOp => ({ f: 'read', input: { key: k, serializable } });
    const write = (k: string, v: number): PlannedOp => ({ f: 'write', input: { key: k, value: v } });
    const item: fc.Arbitrary<PlannedOp[]> = fc.oneof(
      key.map((k) => [read(k)]),
      fc.tuple(key, value).map(([k, v]) => [write(k, v)]),
      fc.tuple(key, fc.option(value, { nil: null }), value).map(([k, expected, v]) => [{ f: 'cas', input: { key: k, expected, value: v } }]),
      // A write and then a read of the same key by the same client, in the next step: the read-after-write
      // that shows a stale read when a partition in force sends the two to different sides (placement.ts).
      fc.tuple(key, value).map(([k, v]) => [write(k, v), read(k)]),
    );
    // size 'max': a client's share of --ops is drawn evenly up to its maximum, not biased to a handful.
    const perClient = opsPerClient(constraints);
    return fc.array(item, { minLength: 1, maxLength: perClient, size: 'max' }).map((items) => items.flat().slice(0, perClient));
  };
}

/** A holder increments the counter one to this many times while it holds the lock. */
const incrementsPerHoldMax = 3;

// Cycles of acquire, one to three increments, release. The holds' lengths differ, so the clients' cycles
// drift apart: one client's acquire can wait while another works, which is when a lapsed lease shows.
function lockOps(constraints: WorkloadConstraints): fc.Arbitrary<PlannedOp[]> {
  const cycle = fc.integer({ min: 1, max: incrementsPerHoldMax }).map((increments): PlannedOp[] => [
    { f: 'acquire', input: { lock: lockName } },
    ...Array.from({ length: increments }, () => ({ f: 'incr', input: { key: counterKey } })),
    { f: 'release', input: { lock: lockName } },
  ]);
  const cyclesMax = Math.max(1, Math.floor(opsPerClient(constraints) / 3));
  return fc.array(cycle, { minLength: 1, maxLength: cyclesMax }).map((cycles) => cycles.flat());
}

export const registerWorkload: SystemWorkload = {
  name: 'register',
  ops: registerOps(false),
  place: placeRegisterOp,
  model: (initial) => keyedRegisterModel(typeof initial === 'number' ? initial : null),
  claims: { ...noClaims, linearizable: true, convergence: true },
};

/**
 * The same ops with Range(serializable=true). It claims what a user who did not read etcd's docs would
 * assume, linearizability, so that the lab catches the stale reads etcd documents.
 */
export const serializableReadsWorkload: SystemWorkload = {
  name: 'serializable-reads',
  ops: registerOps(true),
  place: placeRegisterOp,
  model: (initial) => keyedRegisterModel(typeof initial === 'number' ? initial : null),
  claims: { ...noClaims, linearizable: true, convergence: true },
};

export const lockWorkload: SystemWorkload = {
  name: 'lock',
  ops: lockOps,
  place: placeLockOp,
  model: () => lockModel(),
  claims: { ...noClaims, linearizable: true, convergence: true },
  invariants: (history, states) => [checkMutualExclusion(history, states, counterKey)],
};

export const etcdWorkloads: Record<string, SystemWorkload> = {
  register: registerWorkload,
  'serializable-reads': serializableReadsWorkload,
  lock: lockWorkload,
};
