// Applies and heals a plan's faults: the interface the step driver uses, implemented over the
// nemesis primitives (lab/nemesis) and the cluster's process controls.
import type { Fault } from '../gen/plan.js';

export interface FaultDriver {
  /** Applies fault number `index` of the schedule; returns why it was skipped, if it was. */
  apply(index: number, fault: Fault): Promise<string | undefined>;
  /** Heals it; returns what went wrong, if anything did. */
  heal(index: number, fault: Fault): Promise<string | undefined>;
  /** Heals everything: every proxy enabled, no toxic left, every node running. */
  healAll(): Promise<void>;
  /**
   * Called once no fault is left: waits (bounded) until the branches' propagation streams, which the faults
   * broke, are up again, so the next step's updates do not race their reconnection.
   */
  settle(): Promise<void>;
}
