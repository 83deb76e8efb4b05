// Deadlines of the calls a branch makes: each outgoing call ends before the customer call that
// caused it, so an answer (even an indeterminate one) always gets back in time.
// Try it: `outgoingDeadline(clock, incomingDeadline(clock, call.getDeadline()), peerCallMsMax)`.
import type { Deadline } from '@grpc/grpc-js';
import type { Clock } from '../index.js';

/** The budget of a customer call that came without a deadline. */
export const operationMsDefault = 5_000;
/** Time kept back from the caller's deadline to send the answer. */
export const deadlineMarginMs = 50;
/** No single call to a peer may take longer than this. */
export const peerCallMsMax = 4_000;

/** The incoming call's deadline as epoch milliseconds (grpc-js deadlines are wall-clock based). */
export function incomingDeadline(clock: Clock, deadline: Deadline): number {
  const milliseconds = deadline instanceof Date ? deadline.getTime() : deadline;
  if (!Number.isFinite(milliseconds)) return clock.now() + operationMsDefault;
  return milliseconds;
}

export function outgoingDeadline(clock: Clock, parent: number, capMs: number = peerCallMsMax): number {
  return Math.min(parent - deadlineMarginMs, clock.now() + capMs);
}

export function remainingMs(clock: Clock, deadline: number): number {
  return Math.max(0, deadline - clock.now());
}
