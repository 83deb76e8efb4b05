// The bank's strategies and planted bugs by name, and what each strategy declares as data: what it
// promises (the judge checks exactly that) and how its nodes behave (the node reads it). This registry
// is the one place a strategy's name means anything; everything else reads the declaration.
import type { Claims } from '../../models/index.js';

/**
 * A strategy's name is its base design, then its variant's options after a colon (`lock-free:reads=local`),
 * so a variant travels wherever a name does: flags, artifacts, compare's columns, the node's `--strategy`.
 */
export const strategies = [
  'unsafe', 'lock', 'lock-free',
  'lock:reads=local', 'lock-free:reads=local', 'lock-free:reads=local+min-version', 'lock-free:reads=local+poll',
  'lock-free:reads=local+push', 'lock-free:reads=local+min-version+cache', 'lock-free:reads=local+conditional',
  'crdt', 'crdt:escrow',
] as const;
export type Strategy = (typeof strategies)[number];

/** The designs a node implements; a variant changes how one of them reads, caches or conditions writes. */
export const baseStrategies = ['unsafe', 'lock', 'lock-free', 'crdt'] as const;
export type BaseStrategy = (typeof baseStrategies)[number];

/** Bugs a node can be started with on purpose, so the lab can show it catches them. */
export const bugs = ['no-dedup', 'ack-before-apply', 'stale-cache'] as const;
export type Bug = (typeof bugs)[number];

export interface StrategyDeclaration {
  /** What the strategy promises; the judge checks these and nothing else. */
  claims: Claims;
  /** `durable-log`: updates sit in a durable outbox until acked; `fire-and-forget`: sent once, never resent. */
  propagation: 'durable-log' | 'fire-and-forget';
  /** Whether a replica remembers applied idempotency keys and applies updates in version order. */
  replicaDedup: boolean;
  /** One line for `--help` and reports. */
  idea: string;
  /** The design the node runs; the options below change its reads and writes. */
  base: BaseStrategy;
  /**
   * `point`: a query is the strategy's own read (at the account's serialization point; crdt's is its
   * replica's fold of every branch's totals); `local`: the branch's own replica row.
   */
  reads: 'point' | 'local';
  /**
   * What a client does with the newest version its session saw of an account: `none` forgets it;
   * `wait` sends it as min_version and the branch waits for its replica (bounded by the deadline);
   * `poll` sends it and the branch refuses at once when behind, and the client polls with seeded backoff;
   * `push` opens Watch(account, min_version) and takes the first state the branch sends.
   */
  minVersion: 'none' | 'wait' | 'poll' | 'push';
  /** A per-branch query cache in front of the replica, invalidated when the replica applies an update. */
  cache: boolean;
  /** Mutations carry the version the session last saw as expected_version; a mismatch is a definite failure. */
  conditionalWrites: boolean;
  /** crdt: a branch withdraws only what it holds rights to (escrow), which keeps every balance non-negative. */
  escrow?: boolean;
  /** The store keeps each account as totals per branch (crdt), which Snapshot and Reset fold and unfold. */
  totalsPerBranch?: boolean;
  /**
   * Where a client resends a request after an indeterminate error: `next-branch` (the plan's default),
   * or `same-branch` where only the branch that first took a request id can recognise it (crdt
   * deduplicates locally: the same id at another branch would be applied a second time).
   */
  retries?: 'next-branch' | 'same-branch';
}

/** What a plain strategy does on reads and writes: reads at the point, no session, no cache. */
const pointReads = { reads: 'point', minVersion: 'none', cache: false, conditionalWrites: false } as const;

/**
 * What every strategy built on lock or lock-free promises, whatever its reads: money is kept, updates
 * arrive once and in order, and the replicas converge.
 */
const ledgerClaims: Claims = {
  linearizable: true, conservation: true, nonNegative: true, convergence: true, liveness: true,
  exactlyOnce: true, noDeadLetters: true, resolvesUnknownByAppliedSet: true,
};

/**
 * Replica reads give up linearizability. Writes still go through the point, so each session's writes
 * and the writes after its reads are in version order (monotonic writes, writes-follow-reads).
 */
const replicaClaims: Claims = { ...ledgerClaims, linearizable: false, session: ['monotonic-writes', 'writes-follow-reads'] };
/** A session that sends the newest version it saw reads its own writes and never reads backwards. */
const sessionClaims: Claims = { ...ledgerClaims, linearizable: false, session: ['read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] };

/**
 * crdt is always available and converges, keeps money and applies each request once; it does not keep
 * balances non-negative (two cut-off branches can spend the same money), and claims no order.
 */
const crdtClaims: Claims = {
  linearizable: false, conservation: true, nonNegative: false, convergence: true, liveness: true,
  exactlyOnce: true, noDeadLetters: true, resolvesUnknownByAppliedSet: false,
};

const lockFreeIdea = 'versioned compare-and-set at the sequencer, bounded retries with seeded backoff';

/**
 * unsafe is the naive design that believes itself correct: it claims what a bank must give (a
 * linearizable, conserving, converging ledger) and the lab shows that it does not. It makes no claim of
 * exactly-once delivery or a dead-letter queue, which it does not have.
 */
const declarations: Record<Strategy, StrategyDeclaration> = {
  unsafe: {
    claims: {
      linearizable: true, conservation: true, nonNegative: true, convergence: true, liveness: true,
      exactlyOnce: false, noDeadLetters: false, resolvesUnknownByAppliedSet: false,
    },
    propagation: 'fire-and-forget',
    replicaDedup: false,
    idea: 'read, await, write; fire-and-forget propagation; no dedup',
    base: 'unsafe',
    ...pointReads,
  },
  lock: {
    claims: ledgerClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'a lease with a fencing token per account at the sequencer; replicate before replying',
    base: 'lock',
    ...pointReads,
  },
  'lock-free': {
    claims: ledgerClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: lockFreeIdea,
    base: 'lock-free',
    ...pointReads,
  },
  'lock:reads=local': {
    claims: replicaClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'lock, with queries answered by the branch\'s own replica',
    base: 'lock',
    ...pointReads,
    reads: 'local',
  },
  'lock-free:reads=local': {
    claims: replicaClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'lock-free, with queries answered by the branch\'s own replica',
    base: 'lock-free',
    ...pointReads,
    reads: 'local',
  },
  'lock-free:reads=local+min-version': {
    claims: sessionClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'replica reads at or after the session\'s newest version: the branch waits for its replica',
    base: 'lock-free',
    ...pointReads,
    reads: 'local',
    minVersion: 'wait',
  },
  'lock-free:reads=local+poll': {
    claims: sessionClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'replica reads at or after the session\'s newest version: the branch refuses when behind, the client polls',
    base: 'lock-free',
    ...pointReads,
    reads: 'local',
    minVersion: 'poll',
  },
  'lock-free:reads=local+push': {
    claims: sessionClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'replica reads at or after the session\'s newest version, pushed: Watch sends the state once the replica has it',
    base: 'lock-free',
    ...pointReads,
    reads: 'local',
    minVersion: 'push',
  },
  'lock-free:reads=local+min-version+cache': {
    claims: sessionClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'min-version replica reads through a per-branch cache, invalidated when the replica applies an update',
    base: 'lock-free',
    ...pointReads,
    reads: 'local',
    minVersion: 'wait',
    cache: true,
  },
  crdt: {
    claims: crdtClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'a PN-counter per account, every operation answered locally; transfers refused',
    base: 'crdt',
    ...pointReads,
    totalsPerBranch: true,
    retries: 'same-branch',
  },
  'crdt:escrow': {
    claims: { ...crdtClaims, nonNegative: true },
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'crdt, where a branch spends only what it holds rights to (escrow), asking its peers for theirs when short: never negative, at the cost of refusals',
    base: 'crdt',
    ...pointReads,
    totalsPerBranch: true,
    escrow: true,
    retries: 'same-branch',
  },
  'lock-free:reads=local+conditional': {
    claims: replicaClaims,
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'replica reads; every write expects the version its session last saw, and a mismatch fails definitely',
    base: 'lock-free',
    ...pointReads,
    reads: 'local',
    conditionalWrites: true,
  },
};

export function isStrategy(name: string): name is Strategy {
  return (strategies as readonly string[]).includes(name);
}

export function isBug(name: string): name is Bug {
  return (bugs as readonly string[]).includes(name);
}

export function strategyDeclaration(strategy: Strategy): StrategyDeclaration {
  return declarations[strategy];
}

export function claimsOf(strategy: Strategy): Claims {
  return declarations[strategy].claims;
}
