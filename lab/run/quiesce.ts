// The end of a run: after the heal, poll every branch's Snapshot until the cluster holds still, and
// take that as the final state the checkers judge. Try it: see quiesce.test.ts.
import type { BranchState } from '../../models/index.js';
import { balancesAgree } from '../cluster/index.js';
import type { Clock } from '../systems/index.js';

/** Disagreeing branches with empty outboxes that stay unchanged this long will not converge by themselves. */
export const quietMsMin = 500;

/**
 * How long a final state must hold still before it counts. A node resumed by the heal may still be
 * serving requests it queued while paused (their customers gave up long ago) and sending what they
 * wrote; a snapshot taken in the first instant after the heal would catch that work before it or
 * halfway, as the scheduler happens to decide. Longer than such a request takes.
 */
export const settleMs = 100;

const pollMs = 50;

function stateKey(states: BranchState[]): string {
  return JSON.stringify(states.map((state) => [state.branch, state.accounts, state.outbox]));
}

/**
 * Polls until every outbox is empty, the branches agree and nothing changed for settleMs. A cluster
 * whose outboxes are empty but whose branches disagree and stay unchanged for quietMsMin will not
 * converge by itself (fire-and-forget propagation lost something), so waiting longer only costs time.
 */
export async function quiesce(
  snapshot: () => Promise<BranchState[]>, boundMs: number, clock: Clock,
): Promise<{ states: BranchState[]; quiesced: boolean }> {
  const started = clock.monotonicMs();
  let states = await snapshot();
  let key = stateKey(states);
  let unchangedSince = clock.monotonicMs();
  for (;;) {
    const drained = states.every((state) => state.outbox === 0);
    const now = clock.monotonicMs();
    const stillMs = now - unchangedSince;
    if (drained && balancesAgree(states) && stillMs >= settleMs) return { states, quiesced: true };
    if (now - started >= boundMs || (drained && stillMs >= quietMsMin)) return { states, quiesced: false };
    await clock.sleep(pollMs);
    states = await snapshot();
    const next = stateKey(states);
    if (next !== key) unchangedSince = clock.monotonicMs();
    key = next;
  }
}
