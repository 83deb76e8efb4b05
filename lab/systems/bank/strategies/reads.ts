// How a branch answers a query, whatever its strategy writes with: at the serialization point (the
// linearizable read) or at its own replica (the weaker variants of issue 14), at or after the session's
// min_version (waiting for propagation until the deadline, or refusing at once so that the client
// polls), and through a per-branch cache that the replica's writes invalidate. Try it:
// `const read = queryReader({ store, clock, reads: 'local', cache: false, bug: undefined }, pointRead)`.
import { status } from '@grpc/grpc-js';
import type { Clock } from '../../index.js';
import type { BugName } from '../config.js';
import { deadlineMarginMs, remainingMs } from '../deadline.js';
import { statusError } from '../errors.js';
import type { AccountRecord, Store } from '../store.js';
import type { OperationContext } from './types.js';

/** A cached state is served for at most this long after it was read, invalidated or not. */
export const cacheTtlMs = 10_000;
/** The cache forgets its oldest entry beyond this many accounts. */
export const cacheEntriesMax = 10_000;
/** A point read that is behind min_version is tried again this often until the deadline. */
export const pointRereadMs = 20;

export interface QueryOptions {
  /** Answer with a state at or after this version (read your writes, monotonic reads). */
  minVersion?: number;
  /** When behind min_version, refuse at once (FAILED_PRECONDITION) instead of waiting. */
  refuseIfBehind?: boolean;
}

export interface ReaderDependencies {
  store: Store;
  clock: Clock;
  reads: 'point' | 'local';
  cache: boolean;
  /** `stale-cache`: the cache is never invalidated, and is trusted after the min_version wait. */
  bug: BugName | undefined;
}

export type QueryReader = (account: string, context: OperationContext, options: QueryOptions) => Promise<AccountRecord>;

/**
 * The query of a branch. `pointRead` is the strategy's own read at the serialization point; with
 * `reads: 'local'` the replica answers instead. The cache sits after the min_version wait: with
 * invalidation it holds what the replica holds, so the wait also covers it.
 */
export function queryReader(dependencies: ReaderDependencies, pointRead: QueryReader): QueryReader {
  const { store, clock } = dependencies;
  const cache = dependencies.cache ? new QueryCache(clock, store, dependencies.bug !== 'stale-cache') : undefined;

  function readLocal(account: string): AccountRecord {
    const state = cache?.get(account) ?? store.account(account);
    if (state === undefined) throw statusError(status.NOT_FOUND, `no account ${account}`);
    cache?.put(state);
    return state;
  }

  return async function query(account, context, options): Promise<AccountRecord> {
    const { minVersion } = options;
    if (minVersion !== undefined && (!Number.isSafeInteger(minVersion) || minVersion < 0)) {
      throw statusError(status.INVALID_ARGUMENT, `min_version must be a whole number of at least 0, got ${minVersion}`);
    }
    if (dependencies.reads === 'point') return pointReadAtLeast(pointRead, account, context, options, clock);
    if (minVersion !== undefined) await replicaAt(store, clock, account, minVersion, context, options.refuseIfBehind === true);
    return readLocal(account);
  };
}

function behind(account: string, at: number, minVersion: number): string {
  return `the replica holds ${account} at version ${at}, behind min_version ${minVersion}`;
}

/** Resolves once the replica holds `account` at `minVersion` or later; refuses, or times out at the deadline, when it does not. */
function replicaAt(
  store: Store, clock: Clock, account: string, minVersion: number, context: OperationContext, refuse: boolean,
): Promise<void> {
  const versionNow = (): number => store.account(account)?.version ?? -1;
  if (versionNow() >= minVersion) return Promise.resolve();
  if (refuse) return Promise.reject(statusError(status.FAILED_PRECONDITION, behind(account, versionNow(), minVersion)));
  return new Promise((resolve, reject) => {
    const finish = (error?: unknown): void => {
      unsubscribe();
      clock.cancel(timer);
      context.signal?.removeEventListener('abort', cancelled);
      if (error === undefined) resolve();
      else reject(error);
    };
    const cancelled = (): void => finish(statusError(status.CANCELLED, 'the caller cancelled the query'));
    const unsubscribe = store.onWrite((written) => {
      if ((written === undefined || written === account) && versionNow() >= minVersion) finish();
    });
    // Answer in time, even when the answer is that the replica did not catch up.
    const timer = clock.after(
      () => finish(statusError(status.DEADLINE_EXCEEDED, behind(account, versionNow(), minVersion))),
      Math.max(0, remainingMs(clock, context.deadline) - deadlineMarginMs),
    );
    context.signal?.addEventListener('abort', cancelled);
  });
}

/** A point read is never behind a version the point decided; a min_version beyond it is waited for by reading again. */
async function pointReadAtLeast(
  pointRead: QueryReader, account: string, context: OperationContext, options: QueryOptions, clock: Clock,
): Promise<AccountRecord> {
  for (;;) {
    const state = await pointRead(account, context, options);
    if (options.minVersion === undefined || state.version >= options.minVersion) return state;
    if (options.refuseIfBehind === true) throw statusError(status.FAILED_PRECONDITION, behind(account, state.version, options.minVersion));
    if (remainingMs(clock, context.deadline) <= pointRereadMs + deadlineMarginMs) {
      throw statusError(status.DEADLINE_EXCEEDED, behind(account, state.version, options.minVersion));
    }
    await clock.sleep(pointRereadMs);
  }
}

/** A per-branch query cache with a TTL; with `invalidate`, the replica's every write drops the account's entry. */
class QueryCache {
  private readonly entries = new Map<string, { state: AccountRecord; expiresAt: number }>();

  constructor(private readonly clock: Clock, store: Store, invalidate: boolean) {
    // A reset (or a rolled-back write) clears it either way: no run inherits another's entries.
    store.onWrite((account) => {
      if (account === undefined) this.entries.clear();
      else if (invalidate) this.entries.delete(account);
    });
  }

  get(account: string): AccountRecord | undefined {
    const entry = this.entries.get(account);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.clock.now()) return { ...entry.state };
    this.entries.delete(account);
    return undefined;
  }

  put(state: AccountRecord): void {
    if (this.entries.has(state.account)) return;
    if (this.entries.size >= cacheEntriesMax) {
      const [oldest] = this.entries.keys();
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(state.account, { state: { ...state }, expiresAt: this.clock.now() + cacheTtlMs });
  }
}

/**
 * Push: `send` gets the replica's state of `account` as soon as it reaches `minVersion` (at once if it
 * has), then every newer state, each once it is committed, until the returned stop is called.
 */
export function watchAccount(store: Store, account: string, minVersion: number, send: (state: AccountRecord) => void): () => void {
  let sent = minVersion - 1;
  let stopped = false;
  const offer = (): void => {
    const state = store.account(account);
    if (stopped || state === undefined || state.version <= sent) return;
    sent = state.version;
    void store.durable().then(() => {
      if (!stopped) send(state);
    }, () => undefined);
  };
  const unsubscribe = store.onWrite((written) => {
    if (written === undefined || written === account) offer();
  });
  offer();
  return () => {
    stopped = true;
    unsubscribe();
  };
}
