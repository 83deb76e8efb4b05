// The one nemesis interface the step driver uses: apply and heal a plan's faults, heal everything,
// and settle after the last heal. Jepsen's "special client"; the proxied cluster implements it (driver.ts).
import type { Fault } from '../plan/index.js';

export interface Nemesis {
  /** Applies fault number `index` of the schedule; returns why it was skipped, if it was. */
  apply(index: number, fault: Fault): Promise<string | undefined>;
  /** Heals it, once; returns what went wrong, if anything did. */
  heal(index: number, fault: Fault): Promise<string | undefined>;
  /** Heals everything: every proxy enabled, no toxic left, every node running. */
  healAll(): Promise<void>;
  /**
   * Called once no fault is left: waits (bounded) until the branches' propagation streams, which the faults
   * broke, are up again, so the next step's updates do not race their reconnection.
   */
  settle(): Promise<void>;
}
