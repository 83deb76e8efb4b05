// A branch's durable state: one SQLite file (WAL) in the node's data directory. Every multi-row
// change is atomic (a savepoint), so a decision and its outbox row, a replica's dedup check and its
// apply, a dead letter and its key land together or not at all. Writes of one turn of the event loop
// share one transaction (group commit); whoever answers for a write waits for `durable()`, so a
// kill -9 loses nothing that was acknowledged.
// Try it: `const store = Store.open(dir, [{ account: 'a1', balance: 100 }], realClock); store.accounts()`.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../index.js';
import type { InitialAccount, Synchronous } from './config.js';
import type { AccountRecord, Update } from './records.js';
import { replicaVerdict } from './propagation/verdict.js';

export const databaseFileName = 'branch.sqlite';
/**
 * Bytes per database page, for a new database (SQLite's default is 4,096). Every commit appends each
 * page it changed to the WAL whole, and a commit here changes a handful of rows on as many pages:
 * small pages write a quarter of the bytes.
 */
export const pageSizeBytes = 1_024;
/** Pages of WAL between automatic checkpoints (SQLite's default is 1,000): up to ~10 MiB of WAL. */
export const walCheckpointPages = 10_000;

export type { AccountRecord, Update } from './records.js';
export type { Synchronous } from './config.js';

/** An update this node originated, as it sits in the log (the durable outbox). */
export interface LogEntry {
  sequence: number;
  key: string;
  requestId: string;
  updates: Update[];
}

/** An update received from another branch. */
export interface ReplicaMessage extends LogEntry {
  origin: string;
}

export interface ReplicaPolicy {
  /** Skip an update whose idempotency key is in the dedup store (the idempotency check). */
  dedup: boolean;
  /** Apply an account's updates in version order only; a gap goes to the dead letters. */
  ordered: boolean;
}

/** `stale`: not in the dedup store, but every account already holds it (its key outlived the window). */
export type ReplicaOutcome = 'applied' | 'duplicate' | 'stale' | 'dead-letter';

/** The log rows some peer has not acked yet: what backpressure measures. */
export interface OutboxUsage {
  rows: number;
  bytes: number;
}

export interface DeadLetter {
  id: number;
  origin: string;
  sequence: number;
  key: string;
  requestId: string;
  payload: string;
  reason: string;
  epoch: number;
}

export interface AppliedKey {
  requestId: string;
  account: string;
  times: number;
}

const schema = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, balance INTEGER NOT NULL, version INTEGER NOT NULL)
    WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS requests (request_id TEXT PRIMARY KEY, reply TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS applied (seq INTEGER PRIMARY KEY, request_id TEXT NOT NULL,
    account TEXT NOT NULL, delta INTEGER NOT NULL, version INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS log (sequence INTEGER PRIMARY KEY, key TEXT NOT NULL, request_id TEXT NOT NULL,
    payload TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS cursors (peer TEXT PRIMARY KEY, acked_sequence INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS origins (origin TEXT PRIMARY KEY, applied_sequence INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL,
    sequence INTEGER NOT NULL, key TEXT NOT NULL, request_id TEXT NOT NULL, payload TEXT NOT NULL,
    reason TEXT NOT NULL, epoch INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS dedup (key TEXT PRIMARY KEY, origin TEXT NOT NULL, sequence INTEGER NOT NULL,
    outcome TEXT NOT NULL, applied_ms INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS dedup_by_age ON dedup (applied_ms);
  INSERT OR IGNORE INTO meta (key, value) SELECT 'sequence', COALESCE(MAX(sequence), 0) FROM log;
`;

/** Tables a Reset empties; meta keeps the boot count. */
const resetTables = ['accounts', 'requests', 'applied', 'log', 'cursors', 'origins', 'dead_letters', 'dedup'] as const;

/** What a store does with its database just before closing it (committed, or rolled back by a crash). */
type LastWords = (db: Database.Database) => void;

/**
 * A node's database kept in memory across its store's lives: what a kill -9 leaves, for the next
 * open. The simulator gives each node one instead of a file, which it would open and write per run.
 */
export class MemoryDisk {
  /** The database as its last store closed it; undefined until then (the next open creates it). */
  image: Buffer | undefined;
}

let emptyImageBytes: Buffer | undefined;

/** A database with the schema and nothing else, made once: every in-memory store starts as a copy. */
function emptyImage(): Buffer {
  if (emptyImageBytes === undefined) {
    const db = new Database(':memory:');
    db.pragma(`page_size = ${pageSizeBytes}`);
    db.exec(schema);
    emptyImageBytes = db.serialize();
    db.close();
  }
  return emptyImageBytes;
}

export function databasePath(dataDir: string): string {
  return join(dataDir, databaseFileName);
}

export class Store {
  /** True when this open created the database (so the initial accounts were written). */
  readonly created: boolean;
  /** How many times the database has been opened, this one included: makes fencing tokens unique. */
  readonly boot: number;
  private readonly db: Database.Database;
  private readonly statements;
  /**
   * Mirrors the log table (rows not yet acked by every peer), in sequence order, with each row's
   * payload size: the senders read it and backpressure measures it without a query or a parse.
   */
  private tail: { entry: LogEntry; bytes: number }[] = [];
  private retained: OutboxUsage = { rows: 0, bytes: 0 };
  /** Every account's state as this connection sees it (committed or in the open group). */
  private cachedAccounts = new Map<string, AccountRecord>();
  /** Told every account state this store writes (a commit, a replica's apply, a reset): the query cache's invalidation. */
  private readonly writeListeners = new Set<(account: string | undefined) => void>();
  /** Mirrors of meta rows only this store writes, read on every operation. */
  private cachedEpoch: number;
  private cachedSequence: number;
  /** Writes begun through this store (failed ones too): what the applied keys' memo is valid for. */
  private writes = 0;
  private appliedMemo: { writes: number; keys: AppliedKey[] } | undefined;

  /** The open group-commit transaction: what waits for its COMMIT. */
  private batch: { afterCommit: (() => void)[]; waiters: { resolve: () => void; reject: (error: unknown) => void }[] } | undefined;

  private constructor(
    db: Database.Database, created: boolean, private readonly clock: Clock, private readonly lastWords: LastWords | undefined,
  ) {
    this.db = db;
    this.created = created;
    this.statements = prepare(db);
    this.boot = this.bumpBoot();
    this.cachedEpoch = 0;
    this.cachedSequence = 0;
    this.loadMirrors();
  }

  /**
   * `synchronous`: SQLite's setting. `normal` (the default) survives a kill -9 of the node, the crash
   * the lab injects, and syncs only at checkpoints; `full` also survives the host losing power, at an
   * fsync per commit. `clock` ends each group commit at the end of its turn (virtual in the simulator).
   */
  static open(
    dataDir: string, initialAccounts: readonly InitialAccount[], clock: Clock, synchronous: Synchronous = 'normal',
  ): Store {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(databasePath(dataDir));
    // Takes effect only while the file is still empty, so before anything else.
    db.pragma(`page_size = ${pageSizeBytes}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    // A checkpoint copies the WAL's pages back into the database file (and syncs it). The hot pages
    // (accounts, meta, the tails of the append-only tables) are few and rewritten by every commit,
    // so checkpointing seldom copies each of them once instead of many times.
    db.pragma(`wal_autocheckpoint = ${walCheckpointPages}`);
    const created = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'meta'").get() === undefined;
    db.exec(schema);
    return Store.on(db, created, initialAccounts, clock, undefined);
  }

  /** A store over an open database with its schema: creates the initial accounts when `created`. */
  private static on(
    db: Database.Database, created: boolean, initialAccounts: readonly InitialAccount[], clock: Clock, lastWords: LastWords | undefined,
  ): Store {
    const store = new Store(db, created, clock, lastWords);
    if (created) store.reset(initialAccounts.map((entry) => ({ ...entry, version: 0 })), 0);
    return store;
  }

  /**
   * A store whose database lives in memory, in `disk`, instead of a file: the simulator's. It opens
   * at what `disk` holds (the last commit before a crash), or creates the initial accounts.
   */
  static openInMemory(disk: MemoryDisk, initialAccounts: readonly InitialAccount[], clock: Clock): Store {
    const image = disk.image;
    const db = new Database(image ?? emptyImage());
    return Store.on(db, image === undefined, initialAccounts, clock, (closing) => {
      disk.image = closing.serialize();
    });
  }

  close(): void {
    if (!this.db.open) return;
    this.flush();
    this.lastWords?.(this.db);
    this.db.close();
  }

  /**
   * Closes the connection without committing the open group, as a kill -9 leaves the file: the next
   * open finds the last commit. Its waiters never hear back, as a dead process's callers never do.
   */
  crash(): void {
    if (!this.db.open) return;
    this.batch = undefined;
    // What closing does to an open transaction anyway; said here so the last words keep the last commit.
    if (this.db.inTransaction) this.statements.rollback.run();
    this.lastWords?.(this.db);
    this.db.close();
  }

  /** Resolves once every write made so far is committed; rejects if that commit failed. */
  durable(): Promise<void> {
    const batch = this.batch;
    if (batch === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  /** Runs `effect` once every write made so far is committed (at once if none waits); never if the commit fails. */
  afterCommit(effect: () => void): void {
    if (this.batch === undefined) effect();
    else this.batch.afterCommit.push(effect);
  }

  /**
   * Commits the open group: runs its after-commit effects, then settles its waiters. Called at the
   * end of the event loop's turn, and before anything that must not share the group (reset, close).
   */
  flush(): void {
    const batch = this.batch;
    if (batch === undefined) return;
    this.batch = undefined;
    try {
      this.statements.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.statements.rollback.run();
      this.loadMirrors();
      for (const waiter of batch.waiters) waiter.reject(error);
      return;
    }
    for (const effect of batch.afterCommit) effect();
    for (const waiter of batch.waiters) waiter.resolve();
  }

  /** Runs `change` atomically inside the open group, opening one if none is. */
  private write<Result>(change: () => Result): Result {
    this.writes += 1;
    if (this.batch === undefined) {
      this.statements.begin.run();
      this.batch = { afterCommit: [], waiters: [] };
      this.clock.afterTurn(() => {
        if (this.db.open) this.flush();
      });
    }
    // A savepoint of its own inside the group, as db.transaction(change)() would take, without
    // building that wrapper (four closures and their properties) on every write.
    this.statements.savepoint.run();
    try {
      const result = change();
      this.statements.release.run();
      return result;
    } catch (error) {
      if (this.db.inTransaction) {
        this.statements.rollbackTo.run();
        this.statements.release.run();
      }
      // The account mirror may have run ahead of the rolled-back change.
      this.loadAccounts();
      throw error;
    }
  }

  epoch(): number {
    return this.cachedEpoch;
  }

  /** Calls `listener` with the account of every state written from now on (undefined: all of them, after a reset or a rollback). Returns the unsubscribe. */
  onWrite(listener: (account: string | undefined) => void): () => void {
    this.writeListeners.add(listener);
    return () => this.writeListeners.delete(listener);
  }

  account(account: string): AccountRecord | undefined {
    const state = this.cachedAccounts.get(account);
    return state === undefined ? undefined : { ...state };
  }

  accounts(): AccountRecord[] {
    return this.statements.allAccounts.all() as AccountRecord[];
  }

  /** The first reply given for a request id, if it was decided here. */
  reply(requestId: string): string | undefined {
    const row = this.statements.reply.get(requestId) as { reply: string } | undefined;
    return row?.reply;
  }

  /** Unsafe's local write: new states and their applied rows, no log and no dedup record. */
  applyLocal(requestId: string, updates: readonly Update[]): void {
    this.write(() => {
      for (const update of updates) this.writeUpdate(requestId, update);
    });
  }

  /**
   * A decision at the serialization point, in one transaction: the new states, their applied rows,
   * the reply remembered for the request id, and a log row for the replicas. Returns the log
   * sequence, or 0 when nothing changed (a refusal is remembered but not shipped).
   */
  commit(origin: string, requestId: string, updates: readonly Update[], reply: string): number {
    const payload = JSON.stringify(updates);
    const sequence = this.write(() => {
      for (const update of updates) this.writeUpdate(requestId, update);
      this.statements.insertReply.run(requestId, reply);
      if (updates.length === 0) return 0;
      const next = this.lastSequence() + 1;
      this.statements.appendLog.run(next, logKey(origin, next), requestId, payload);
      this.statements.setMeta.run('sequence', next);
      return next;
    });
    if (sequence > 0) {
      const bytes = Buffer.byteLength(payload);
      this.cachedSequence = sequence;
      // The outbox counts the row at once; a sender sees it only once it is committed.
      this.retained = { rows: this.retained.rows + 1, bytes: this.retained.bytes + bytes };
      const row = { entry: { sequence, key: logKey(origin, sequence), requestId, updates: [...updates] }, bytes };
      const epoch = this.cachedEpoch;
      this.afterCommit(() => {
        if (this.cachedEpoch === epoch) this.tail.push(row);
      });
    }
    return sequence;
  }

  /**
   * Applies an update from another branch. In one transaction: the dedup check on its idempotency
   * key, the apply (or the dead letter), the key's record in the dedup store and the origin's
   * high-water mark. A crash leaves all of it or none, so an update is never half applied and never
   * applied without its key.
   */
  applyReplica(message: ReplicaMessage, policy: ReplicaPolicy, nowMs: number = this.clock.now()): ReplicaOutcome {
    return this.write((): ReplicaOutcome => {
      if (policy.dedup && this.statements.dedupKey.get(message.key) !== undefined) return 'duplicate';
      const verdict = replicaVerdict(message, policy, (account) => this.account(account));
      let outcome: ReplicaOutcome;
      if (verdict.kind === 'dead-letter') {
        this.statements.insertDeadLetter.run(message.origin, message.sequence, message.key, message.requestId,
          JSON.stringify(message.updates), verdict.reason, this.epoch());
        outcome = 'dead-letter';
      } else if (verdict.kind === 'stale') {
        outcome = 'stale';
      } else {
        for (const update of message.updates) this.writeUpdate(message.requestId, update);
        outcome = 'applied';
      }
      if (policy.dedup) this.statements.insertDedup.run(message.key, message.origin, message.sequence, outcome, nowMs);
      this.statements.setOrigin.run(message.origin, message.sequence);
      return outcome;
    });
  }

  /** The highest sequence this replica processed from `origin`: a hello's answer, for diagnosis. */
  appliedSequence(origin: string): number {
    const row = this.statements.origin.get(origin) as { applied_sequence: number } | undefined;
    return row?.applied_sequence ?? 0;
  }

  /** Forgets dedup keys recorded before `beforeMs`, at most `rowsMax` of them; returns how many. */
  purgeDedup(beforeMs: number, rowsMax: number): number {
    return this.write(() => this.statements.purgeDedup.run(beforeMs, rowsMax).changes);
  }

  dedupSize(): number {
    return (this.statements.dedupCount.get() as { count: number }).count;
  }

  /** The last sequence this node originated; kept in meta because acked log rows are deleted. */
  lastSequence(): number {
    return this.cachedSequence;
  }

  outboxUsage(): OutboxUsage {
    return { ...this.retained };
  }

  /** Deletes the log rows every one of `peers` acked: they left every outbox. Returns how many. */
  pruneLog(peers: readonly string[]): number {
    const floor = peers.length === 0 ? this.lastSequence() : Math.min(...peers.map((peer) => this.cursor(peer)));
    const first = this.tail[0]?.entry.sequence;
    if (first === undefined || floor < first) return 0;
    this.write(() => this.statements.deleteLog.run(floor));
    const gone = this.tail.splice(0, Math.min(this.tail.length, floor - first + 1));
    const bytes = gone.reduce((sum, row) => sum + row.bytes, 0);
    this.retained = { rows: this.retained.rows - gone.length, bytes: this.retained.bytes - bytes };
    return gone.length;
  }

  /** Up to `limit` log rows after `sequence`, in order, from the mirror (the rows are contiguous). */
  logAfter(sequence: number, limit: number): LogEntry[] {
    const first = this.tail[0]?.entry.sequence;
    if (first === undefined) return [];
    const start = Math.max(0, sequence + 1 - first);
    return this.tail.slice(start, start + limit).map((row) => row.entry);
  }

  /**
   * The log rows after `sequence` as the table holds them, the open group's included (logAfter reads
   * only committed ones): escrow reads its deposits that some peer has not acked yet.
   */
  loggedAfter(sequence: number): LogEntry[] {
    const rows = this.statements.logFrom.all(sequence) as { sequence: number; key: string; request_id: string; payload: string }[];
    return rows.map((row) => ({ sequence: row.sequence, key: row.key, requestId: row.request_id, updates: JSON.parse(row.payload) as Update[] }));
  }

  cursor(peer: string): number {
    const row = this.statements.cursor.get(peer) as { acked_sequence: number } | undefined;
    return row?.acked_sequence ?? 0;
  }

  setCursor(peer: string, sequence: number): void {
    this.write(() => this.statements.setCursor.run(peer, sequence));
  }

  /** Unacked log rows summed over the peers: what still waits in the durable outbox. */
  outbox(peers: readonly string[]): number {
    const last = this.lastSequence();
    return peers.reduce((sum, peer) => sum + Math.max(0, last - this.cursor(peer)), 0);
  }

  /** Every applied request id and account, with how many times; read again only after a write. */
  appliedKeys(): AppliedKey[] {
    // Quiescence polls every branch's Snapshot until nothing changes: most polls follow no write.
    if (this.appliedMemo?.writes !== this.writes) {
      this.appliedMemo = { writes: this.writes, keys: this.statements.appliedKeys.all() as AppliedKey[] };
    }
    return this.appliedMemo.keys.map((key) => ({ ...key }));
  }

  deadLetters(): DeadLetter[] {
    return this.statements.deadLetters.all() as DeadLetter[];
  }

  deadLetterCount(): number {
    return (this.statements.deadLetterCount.get() as { count: number }).count;
  }

  /** Wipes every table, creates these accounts and sets the epoch, in one transaction. */
  reset(accounts: readonly AccountRecord[], epoch: number): void {
    // What came before commits on its own; the reset is a group of its own, committed at once.
    this.flush();
    this.write(() => {
      for (const table of resetTables) this.db.exec(`DELETE FROM ${table}`);
      // The dead letters' AUTOINCREMENT counter lives in sqlite_sequence; a new run starts at 1. (The
      // applied rows number themselves, max + 1, with no counter row to rewrite on every insert.)
      this.db.exec("DELETE FROM sqlite_sequence WHERE name = 'dead_letters'");
      for (const entry of accounts) this.statements.insertAccount.run(entry.account, entry.balance, entry.version);
      this.statements.setMeta.run('epoch', epoch);
      this.statements.setMeta.run('sequence', 0);
    });
    this.flush();
    this.cachedEpoch = epoch;
    this.cachedSequence = 0;
    this.loadAccounts();
    this.tail = [];
    this.retained = { rows: 0, bytes: 0 };
  }

  /** Reads the mirrors from the tables: at open (the rows a crash left unacked), and after a failed commit. */
  private loadMirrors(): void {
    this.loadAccounts();
    this.cachedEpoch = this.meta('epoch');
    this.cachedSequence = this.meta('sequence');
    const rows = this.statements.logAll.all() as { sequence: number; key: string; request_id: string; payload: string }[];
    this.tail = rows.map((row) => ({
      entry: { sequence: row.sequence, key: row.key, requestId: row.request_id, updates: JSON.parse(row.payload) as Update[] },
      bytes: Buffer.byteLength(row.payload),
    }));
    this.retained = { rows: this.tail.length, bytes: this.tail.reduce((sum, row) => sum + row.bytes, 0) };
  }

  private writeUpdate(requestId: string, update: Update): void {
    this.statements.upsertAccount.run(update.account, update.balance, update.version);
    this.statements.insertApplied.run(requestId, update.account, update.delta, update.version);
    this.cachedAccounts.set(update.account, { account: update.account, balance: update.balance, version: update.version });
    for (const listener of this.writeListeners) listener(update.account);
  }

  private loadAccounts(): void {
    this.cachedAccounts = new Map((this.statements.allAccounts.all() as AccountRecord[]).map((state) => [state.account, state]));
    for (const listener of this.writeListeners) listener(undefined);
  }

  private meta(key: string): number {
    const row = this.statements.meta.get(key) as { value: number } | undefined;
    return row?.value ?? 0;
  }

  private bumpBoot(): number {
    const boot = this.meta('boot') + 1;
    this.statements.setMeta.run('boot', boot);
    return boot;
  }
}

export function logKey(origin: string, sequence: number): string {
  return `${origin}/${sequence}`;
}

function prepare(db: Database.Database) {
  return {
    meta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    allAccounts: db.prepare('SELECT account, balance, version FROM accounts ORDER BY account'),
    insertAccount: db.prepare('INSERT INTO accounts (account, balance, version) VALUES (?, ?, ?)'),
    upsertAccount: db.prepare(`INSERT INTO accounts (account, balance, version) VALUES (?, ?, ?)
      ON CONFLICT (account) DO UPDATE SET balance = excluded.balance, version = excluded.version`),
    insertApplied: db.prepare('INSERT INTO applied (request_id, account, delta, version) VALUES (?, ?, ?, ?)'),
    reply: db.prepare('SELECT reply FROM requests WHERE request_id = ?'),
    // OR IGNORE: with the no-dedup bug a request id is decided twice; the first reply stays.
    insertReply: db.prepare('INSERT OR IGNORE INTO requests (request_id, reply) VALUES (?, ?)'),
    appendLog: db.prepare('INSERT INTO log (sequence, key, request_id, payload) VALUES (?, ?, ?, ?)'),
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT change'),
    release: db.prepare('RELEASE change'),
    rollbackTo: db.prepare('ROLLBACK TO change'),
    deleteLog: db.prepare('DELETE FROM log WHERE sequence <= ?'),
    logAll: db.prepare('SELECT sequence, key, request_id, payload FROM log ORDER BY sequence'),
    logFrom: db.prepare('SELECT sequence, key, request_id, payload FROM log WHERE sequence > ? ORDER BY sequence'),
    cursor: db.prepare('SELECT acked_sequence FROM cursors WHERE peer = ?'),
    setCursor: db.prepare(`INSERT INTO cursors (peer, acked_sequence) VALUES (?, ?)
      ON CONFLICT (peer) DO UPDATE SET acked_sequence = MAX(acked_sequence, excluded.acked_sequence)`),
    origin: db.prepare('SELECT applied_sequence FROM origins WHERE origin = ?'),
    setOrigin: db.prepare(`INSERT INTO origins (origin, applied_sequence) VALUES (?, ?)
      ON CONFLICT (origin) DO UPDATE SET applied_sequence = MAX(applied_sequence, excluded.applied_sequence)`),
    appliedKeys: db.prepare(`SELECT request_id AS requestId, account, COUNT(*) AS times FROM applied
      GROUP BY request_id, account ORDER BY request_id, account`),
    insertDeadLetter: db.prepare(`INSERT INTO dead_letters (origin, sequence, key, request_id, payload, reason, epoch)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    deadLetters: db.prepare(`SELECT id, origin, sequence, key, request_id AS requestId, payload, reason, epoch
      FROM dead_letters ORDER BY id`),
    deadLetterCount: db.prepare('SELECT COUNT(*) AS count FROM dead_letters'),
    dedupKey: db.prepare('SELECT outcome FROM dedup WHERE key = ?'),
    insertDedup: db.prepare('INSERT INTO dedup (key, origin, sequence, outcome, applied_ms) VALUES (?, ?, ?, ?, ?)'),
    purgeDedup: db.prepare(`DELETE FROM dedup WHERE key IN
      (SELECT key FROM dedup WHERE applied_ms < ? ORDER BY applied_ms LIMIT ?)`),
    dedupCount: db.prepare('SELECT COUNT(*) AS count FROM dedup'),
  };
}

/** Opens a node's database without writing to it: `faultline dlq` on a running or stopped node. */
export function readDeadLetters(dataDir: string): DeadLetter[] {
  const db = new Database(databasePath(dataDir), { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'dead_letters'").get() !== undefined;
    if (!hasTable) return [];
    return db.prepare(`SELECT id, origin, sequence, key, request_id AS requestId, payload, reason, epoch
      FROM dead_letters ORDER BY id`).all() as DeadLetter[];
  } finally {
    db.close();
  }
}
