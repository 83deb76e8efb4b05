// Counters a branch keeps since its last Reset, reported by Snapshot for `faultline compare`.
import type { NodeStats } from '../../../proto/index.js';

export function emptyStats(): NodeStats {
  return { conflictRetries: 0, lockWaits: 0, lockWaitMs: 0, leaseExpiries: 0, duplicatesSuppressed: 0, pointCalls: 0, staleGuesses: 0 };
}

export function clearStats(stats: NodeStats): void {
  Object.assign(stats, emptyStats());
}
