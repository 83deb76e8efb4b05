// The lock table of a serialization point: per-account leases granted first come, first served,
// each with a fencing token, so a holder whose lease expired cannot commit any more.
// Try it: `const table = new LeaseTable(1, onExpiry); const grant = await table.acquire(['a1'], 1000, deadline)`.
import { status } from '@grpc/grpc-js';
import type { Clock, Timer } from '../index.js';
import { statusError } from './errors.js';

/** Tokens of one boot of the database live in their own range, so a restart never reuses one. */
const tokensPerBoot = 2 ** 32;
export const leaseMsMax = 30_000;

export interface Grant {
  token: number;
  /** Whether some account was held by another when asked for. */
  waited: boolean;
  waitedMs: number;
}

interface Waiter {
  token: number;
  grant: () => void;
}

interface AccountLock {
  holder: number | undefined;
  queue: Waiter[];
}

interface Lease {
  accounts: string[];
  timer: Timer | undefined;
}

export class LeaseTable {
  private readonly locks = new Map<string, AccountLock>();
  private readonly leases = new Map<number, Lease>();
  private readonly cancellers = new Set<(reason: string) => void>();
  private nextToken: number;

  constructor(boot: number, private readonly onExpiry: (token: number) => void, private readonly clock: Clock) {
    this.nextToken = boot * tokensPerBoot + 1;
  }

  /**
   * Waits for every account in sorted order (so two transfers never deadlock), then starts the
   * lease. Gives up with DEADLINE_EXCEEDED at the deadline, or ABORTED when the signal fires.
   */
  async acquire(accounts: readonly string[], leaseMs: number, deadline: number, signal?: AbortSignal): Promise<Grant> {
    const token = this.nextToken++;
    const sorted = [...new Set(accounts)].sort();
    const lease: Lease = { accounts: [], timer: undefined };
    this.leases.set(token, lease);
    const started = this.clock.monotonicMs();
    let waited = false;
    try {
      for (const account of sorted) {
        const lock = this.lockOf(account);
        if (lock.holder === undefined && lock.queue.length === 0) {
          lock.holder = token;
        } else {
          waited = true;
          await this.waitInQueue(lock, token, deadline, signal);
        }
        lease.accounts.push(account);
      }
    } catch (error) {
      this.release(token);
      throw error;
    }
    const duration = Math.min(Math.max(leaseMs, 1), leaseMsMax);
    lease.timer = this.clock.after(() => {
      if (this.release(token)) this.onExpiry(token);
    }, duration);
    return { token, waited, waitedMs: waited ? Math.round(this.clock.monotonicMs() - started) : 0 };
  }

  /** True when the token still holds every one of these accounts. */
  holds(token: number, accounts: readonly string[]): boolean {
    const lease = this.leases.get(token);
    if (lease === undefined || lease.timer === undefined) return false;
    return accounts.every((account) => lease.accounts.includes(account));
  }

  /** Frees the token's accounts and hands each to its next waiter. False when it held nothing. */
  release(token: number): boolean {
    const lease = this.leases.get(token);
    if (lease === undefined) return false;
    this.leases.delete(token);
    if (lease.timer !== undefined) this.clock.cancel(lease.timer);
    for (const account of lease.accounts) {
      const lock = this.lockOf(account);
      if (lock.holder !== token) continue;
      const next = lock.queue.shift();
      lock.holder = next?.token;
      next?.grant();
      if (lock.holder === undefined) this.locks.delete(account);
    }
    return true;
  }

  /** Drops every lease and fails every waiter: a Reset or a shutdown. */
  clear(reason: string): void {
    for (const cancel of [...this.cancellers]) cancel(reason);
    for (const lease of this.leases.values()) {
      if (lease.timer !== undefined) this.clock.cancel(lease.timer);
    }
    this.leases.clear();
    this.locks.clear();
  }

  private lockOf(account: string): AccountLock {
    let lock = this.locks.get(account);
    if (lock === undefined) {
      lock = { holder: undefined, queue: [] };
      this.locks.set(account, lock);
    }
    return lock;
  }

  private waitInQueue(lock: AccountLock, token: number, deadline: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error): void => {
        this.clock.cancel(timer);
        signal?.removeEventListener('abort', onAbort);
        this.cancellers.delete(cancel);
        if (error === undefined) return resolve();
        const index = lock.queue.indexOf(waiter);
        if (index >= 0) lock.queue.splice(index, 1);
        return reject(error);
      };
      const waiter: Waiter = { token, grant: () => finish() };
      const cancel = (reason: string): void => finish(statusError(status.ABORTED, reason));
      const onAbort = (): void => cancel('the caller went away while waiting for the lock');
      const timer = this.clock.after(() => finish(statusError(status.DEADLINE_EXCEEDED, 'lock wait ran out of time')),
        Math.max(0, deadline - this.clock.now()));
      lock.queue.push(waiter);
      this.cancellers.add(cancel);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted === true) onAbort();
    });
  }
}
