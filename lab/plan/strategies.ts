// The bank's strategies and planted bugs by name, and what each strategy declares as data: what it
// promises (the judge checks exactly that) and how its nodes behave (the node reads it). This registry
// is the one place a strategy's name means anything; everything else reads the declaration.
import type { Claims } from '../../models/index.js';

export const strategies = ['unsafe', 'lock', 'lock-free'] as const;
export type Strategy = (typeof strategies)[number];

/** Bugs a node can be started with on purpose, so the lab can show it catches them. */
export const bugs = ['no-dedup', 'ack-before-apply'] as const;
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
}

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
  },
  lock: {
    claims: {
      linearizable: true, conservation: true, nonNegative: true, convergence: true, liveness: true,
      exactlyOnce: true, noDeadLetters: true, resolvesUnknownByAppliedSet: true,
    },
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'a lease with a fencing token per account at the sequencer; replicate before replying',
  },
  'lock-free': {
    claims: {
      linearizable: true, conservation: true, nonNegative: true, convergence: true, liveness: true,
      exactlyOnce: true, noDeadLetters: true, resolvesUnknownByAppliedSet: true,
    },
    propagation: 'durable-log',
    replicaDedup: true,
    idea: 'versioned compare-and-set at the sequencer, bounded retries with seeded backoff',
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
