// A branch's durable state: one SQLite file (WAL, synchronous=FULL) in the node's data directory.
// Every multi-row change is one transaction, so a kill -9 loses nothing that was acknowledged: a
// decision and its outbox row, a replica's dedup check and its apply, a dead letter and its key.
// Try it: `const store = Store.open(dir, [{ account: 'a1', balance: 100 }]); store.accounts()`.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InitialAccount } from './config.js';
import { replicaVerdict } from './propagation/verdict.js';

export const databaseFileName = 'branch.sqlite';

export interface AccountRecord {
  account: string;
  balance: number;
  version: number;
}

/** One account's new state as decided at its serialization point (or, under unsafe, locally). */
export interface Update extends AccountRecord {
  delta: number;
}

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
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS accounts (account TEXT PRIMARY KEY, balance INTEGER NOT NULL, version INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS requests (request_id TEXT PRIMARY KEY, reply TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS applied (seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL,
    account TEXT NOT NULL, delta INTEGER NOT NULL, version INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS log (sequence INTEGER PRIMARY KEY, key TEXT NOT NULL, request_id TEXT NOT NULL,
    payload TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS cursors (peer TEXT PRIMARY KEY, acked_sequence INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS origins (origin TEXT PRIMARY KEY, applied_sequence INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL,
    sequence INTEGER NOT NULL, key TEXT NOT NULL, request_id TEXT NOT NULL, payload TEXT NOT NULL,
    reason TEXT NOT NULL, epoch INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS dedup (key TEXT PRIMARY KEY, origin TEXT NOT NULL, sequence INTEGER NOT NULL,
    outcome TEXT NOT NULL, applied_ms INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS dedup_by_age ON dedup (applied_ms);
  INSERT OR IGNORE INTO meta (key, value) SELECT 'sequence', COALESCE(MAX(sequence), 0) FROM log;
`;

/** Tables a Reset empties; meta keeps the boot count. */
const resetTables = ['accounts', 'requests', 'applied', 'log', 'cursors', 'origins', 'dead_letters', 'dedup'] as const;

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
  /** Mirrors the log table (rows not yet acked by every peer), so backpressure costs no query. */
  private retained: OutboxUsage = { rows: 0, bytes: 0 };

  private constructor(db: Database.Database, created: boolean) {
    this.db = db;
    this.created = created;
    this.statements = prepare(db);
    this.boot = this.bumpBoot();
    this.retained = this.statements.logUsage.get(Number.MAX_SAFE_INTEGER) as OutboxUsage;
  }

  static open(dataDir: string, initialAccounts: readonly InitialAccount[]): Store {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(databasePath(dataDir));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const created = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'meta'").get() === undefined;
    db.exec(schema);
    const store = new Store(db, created);
    if (created) store.reset(initialAccounts.map((entry) => ({ ...entry, version: 0 })), 0);
    return store;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  epoch(): number {
    return this.meta('epoch');
  }

  account(account: string): AccountRecord | undefined {
    return this.statements.account.get(account) as AccountRecord | undefined;
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
    this.db.transaction(() => {
      for (const update of updates) this.writeUpdate(requestId, update);
    })();
  }

  /**
   * A decision at the serialization point, in one transaction: the new states, their applied rows,
   * the reply remembered for the request id, and a log row for the replicas. Returns the log
   * sequence, or 0 when nothing changed (a refusal is remembered but not shipped).
   */
  commit(origin: string, requestId: string, updates: readonly Update[], reply: string): number {
    const payload = JSON.stringify(updates);
    const sequence = this.db.transaction(() => {
      for (const update of updates) this.writeUpdate(requestId, update);
      this.statements.insertReply.run(requestId, reply);
      if (updates.length === 0) return 0;
      const next = this.lastSequence() + 1;
      this.statements.appendLog.run(next, logKey(origin, next), requestId, payload);
      this.statements.setMeta.run('sequence', next);
      return next;
    })();
    if (sequence > 0) this.retained = { rows: this.retained.rows + 1, bytes: this.retained.bytes + Buffer.byteLength(payload) };
    return sequence;
  }

  /**
   * Applies an update from another branch. In one transaction: the dedup check on its idempotency
   * key, the apply (or the dead letter), the key's record in the dedup store and the origin's
   * high-water mark. A crash leaves all of it or none, so an update is never half applied and never
   * applied without its key.
   */
  applyReplica(message: ReplicaMessage, policy: ReplicaPolicy, nowMs: number = Date.now()): ReplicaOutcome {
    return this.db.transaction((): ReplicaOutcome => {
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
    })();
  }

  /** The highest sequence this replica processed from `origin`: a hello's answer, for diagnosis. */
  appliedSequence(origin: string): number {
    const row = this.statements.origin.get(origin) as { applied_sequence: number } | undefined;
    return row?.applied_sequence ?? 0;
  }

  /** Forgets dedup keys recorded before `beforeMs`, at most `rowsMax` of them; returns how many. */
  purgeDedup(beforeMs: number, rowsMax: number): number {
    return this.statements.purgeDedup.run(beforeMs, rowsMax).changes;
  }

  dedupSize(): number {
    return (this.statements.dedupCount.get() as { count: number }).count;
  }

  /** The last sequence this node originated; kept in meta because acked log rows are deleted. */
  lastSequence(): number {
    return this.meta('sequence');
  }

  outboxUsage(): OutboxUsage {
    return { ...this.retained };
  }

  /** Deletes the log rows every one of `peers` acked: they left every outbox. Returns how many. */
  pruneLog(peers: readonly string[]): number {
    const floor = peers.length === 0 ? this.lastSequence() : Math.min(...peers.map((peer) => this.cursor(peer)));
    const gone = this.db.transaction(() => {
      const usage = this.statements.logUsage.get(floor) as OutboxUsage;
      if (usage.rows > 0) this.statements.deleteLog.run(floor);
      return usage;
    })();
    this.retained = { rows: this.retained.rows - gone.rows, bytes: this.retained.bytes - gone.bytes };
    return gone.rows;
  }

  logAfter(sequence: number, limit: number): LogEntry[] {
    const rows = this.statements.logAfter.all(sequence, limit) as
      { sequence: number; key: string; request_id: string; payload: string }[];
    return rows.map((row) => ({
      sequence: row.sequence, key: row.key, requestId: row.request_id, updates: JSON.parse(row.payload) as Update[],
    }));
  }

  cursor(peer: string): number {
    const row = this.statements.cursor.get(peer) as { acked_sequence: number } | undefined;
    return row?.acked_sequence ?? 0;
  }

  setCursor(peer: string, sequence: number): void {
    this.statements.setCursor.run(peer, sequence);
  }

  /** Unacked log rows summed over the peers: what still waits in the durable outbox. */
  outbox(peers: readonly string[]): number {
    const last = this.lastSequence();
    return peers.reduce((sum, peer) => sum + Math.max(0, last - this.cursor(peer)), 0);
  }

  appliedKeys(): AppliedKey[] {
    return this.statements.appliedKeys.all() as AppliedKey[];
  }

  deadLetters(): DeadLetter[] {
    return this.statements.deadLetters.all() as DeadLetter[];
  }

  deadLetterCount(): number {
    return (this.statements.deadLetterCount.get() as { count: number }).count;
  }

  /** Wipes every table, creates these accounts and sets the epoch, in one transaction. */
  reset(accounts: readonly AccountRecord[], epoch: number): void {
    this.db.transaction(() => {
      for (const table of resetTables) this.db.exec(`DELETE FROM ${table}`);
      // The applied table's AUTOINCREMENT counter lives in sqlite_sequence; a new run starts at 1.
      this.db.exec("DELETE FROM sqlite_sequence WHERE name IN ('applied', 'dead_letters')");
      for (const entry of accounts) this.statements.insertAccount.run(entry.account, entry.balance, entry.version);
      this.statements.setMeta.run('epoch', epoch);
      this.statements.setMeta.run('sequence', 0);
    })();
    this.retained = { rows: 0, bytes: 0 };
  }

  private writeUpdate(requestId: string, update: Update): void {
    this.statements.upsertAccount.run(update.account, update.balance, update.version);
    this.statements.insertApplied.run(requestId, update.account, update.delta, update.version);
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
    account: db.prepare('SELECT account, balance, version FROM accounts WHERE account = ?'),
    allAccounts: db.prepare('SELECT account, balance, version FROM accounts ORDER BY account'),
    insertAccount: db.prepare('INSERT INTO accounts (account, balance, version) VALUES (?, ?, ?)'),
    upsertAccount: db.prepare(`INSERT INTO accounts (account, balance, version) VALUES (?, ?, ?)
      ON CONFLICT (account) DO UPDATE SET balance = excluded.balance, version = excluded.version`),
    insertApplied: db.prepare('INSERT INTO applied (request_id, account, delta, version) VALUES (?, ?, ?, ?)'),
    reply: db.prepare('SELECT reply FROM requests WHERE request_id = ?'),
    // OR IGNORE: with the no-dedup bug a request id is decided twice; the first reply stays.
    insertReply: db.prepare('INSERT OR IGNORE INTO requests (request_id, reply) VALUES (?, ?)'),
    appendLog: db.prepare('INSERT INTO log (sequence, key, request_id, payload) VALUES (?, ?, ?, ?)'),
    logUsage: db.prepare(`SELECT COUNT(*) AS rows, COALESCE(SUM(LENGTH(CAST(payload AS BLOB))), 0) AS bytes
      FROM log WHERE sequence <= ?`),
    deleteLog: db.prepare('DELETE FROM log WHERE sequence <= ?'),
    logAfter: db.prepare('SELECT sequence, key, request_id, payload FROM log WHERE sequence > ? ORDER BY sequence LIMIT ?'),
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
