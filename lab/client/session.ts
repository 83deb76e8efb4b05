// A client's session: the newest version of each account its ops saw, which it sends as min_version
// on queries (read your writes, monotonic reads) or as expected_version on writes, and the poller's
// seeded backoff. Draws come from the run's `clients` seed, one stream per logical client, so one
// client's polls never shift another's. Try it: `const sessions = new ClientSessions({ minVersion: 'poll', conditionalWrites: false }, 7)`.
import seedrandom from 'seedrandom';
import { strategyDeclaration } from '../plan/index.js';
import type { Strategy } from '../plan/index.js';

/** What the strategy's declaration asks of its clients (lab/plan: minVersion and conditionalWrites). */
export interface SessionPolicy {
  minVersion: 'none' | 'wait' | 'poll' | 'push';
  conditionalWrites: boolean;
}

/** The poller asks at most this many times in one query... */
export const pollTriesMax = 8;
/** ...backing off exponentially from this, with full jitter... */
export const pollBackoffMsInitial = 4;
/** ...to at most this between two tries. */
export const pollBackoffMsMax = 200;

export class ClientSessions {
  private readonly seen = new Map<number, Map<string, number>>();
  private readonly draws = new Map<number, seedrandom.PRNG>();

  constructor(readonly policy: SessionPolicy, private readonly clientsSeed: number) {}

  /** The newest version of `account` this client's ops saw; undefined before any. */
  versionOf(client: number, account: string): number | undefined {
    return this.seen.get(client)?.get(account);
  }

  /** Remembers what an ok reply said of an account's version. */
  saw(client: number, account: string, version: number): void {
    let accounts = this.seen.get(client);
    if (accounts === undefined) {
      accounts = new Map();
      this.seen.set(client, accounts);
    }
    if ((accounts.get(account) ?? -1) < version) accounts.set(account, version);
  }

  /** The pause before poll try `attempt + 1`: full jitter under an exponentially growing ceiling. */
  backoffMs(client: number, attempt: number): number {
    let draw = this.draws.get(client);
    if (draw === undefined) {
      draw = seedrandom(`${this.clientsSeed}/c${client}/poll`);
      this.draws.set(client, draw);
    }
    const ceiling = Math.min(pollBackoffMsMax, pollBackoffMsInitial * 2 ** attempt);
    return 1 + Math.floor(ceiling * draw());
  }
}

/** The sessions a strategy's clients keep, or undefined when it asks for none (every plain strategy). */
export function sessionsFor(strategy: Strategy, clientsSeed: number): ClientSessions | undefined {
  const { minVersion, conditionalWrites } = strategyDeclaration(strategy);
  return minVersion === 'none' && !conditionalWrites ? undefined : new ClientSessions({ minVersion, conditionalWrites }, clientsSeed);
}
