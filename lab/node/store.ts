// A branch's durable state: one SQLite file (WAL, synchronous=FULL) in the node's data directory.
// Every multi-row change is one transaction, so a kill -9 loses nothing that was acknowledged.
// Try it: `const store = Store.open(dir, [{ account: 'a1', balance: 100 }]); store.accounts()`.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InitialAccount } from './config.js';

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
  /** Skip a sequence already applied from its origin (the idempotency check). */
  dedup: boolean;
  /** Apply an account's updates in version order only; a gap goes to the dead letters. */
  ordered: boolean;
}

export type ReplicaOutcome = 'applied' | 'duplicate' | 'dead-letter';

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
`;

/** Tables a Reset empties; meta keeps the boot count. */
const resetTables = ['accounts', 'requests', 'applied', 'log', 'cursors', 'origins', 'dead_letters'] as const;

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

  private constructor(db: Database.Database, created: boolean) {
    this.db = db;
    this.created = created;
    this.statements = prepare(db);
    this.boot = this.bumpBoot();
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
    return this.db.transaction(() => {
      for (const update of updates) this.writeUpdate(requestId, update);
      this.statements.insertReply.run(requestId, reply);
      if (updates.length === 0) return 0;
      const sequence = this.lastSequence() + 1;
      this.statements.appendLog.run(sequence, logKey(origin, sequence), requestId, JSON.stringify(updates));
      return sequence;
    })();
  }

  /** Applies an update from another branch together with its per-origin dedup record. */
  applyReplica(message: ReplicaMessage, policy: ReplicaPolicy): ReplicaOutcome {
    return this.db.transaction((): ReplicaOutcome => {
      if (policy.dedup && message.sequence <= this.appliedSequence(message.origin)) return 'duplicate';
      const reason = policy.ordered ? this.orderProblem(message.updates) : undefined;
      if (reason !== undefined) {
        this.statements.insertDeadLetter.run(message.origin, message.sequence, message.key, message.requestId,
          JSON.stringify(message.updates), reason, this.epoch());
      } else {
        for (const update of message.updates) {
          const current = this.account(update.account);
          // Ordered replicas skip what they already hold; an older update must not roll state back.
          if (policy.ordered && current !== undefined && update.version <= current.version) continue;
          this.writeUpdate(message.requestId, update);
        }
      }
      this.statements.setOrigin.run(message.origin, message.sequence);
      return reason === undefined ? 'applied' : 'dead-letter';
    })();
  }

  appliedSequence(origin: string): number {
    const row = this.statements.origin.get(origin) as { applied_sequence: number } | undefined;
    return row?.applied_sequence ?? 0;
  }

  lastSequence(): number {
    return (this.statements.lastSequence.get() as { last: number }).last;
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
    })();
  }

  private writeUpdate(requestId: string, update: Update): void {
    this.statements.upsertAccount.run(update.account, update.balance, update.version);
    this.statements.insertApplied.run(requestId, update.account, update.delta, update.version);
  }

  private orderProblem(updates: readonly Update[]): string | undefined {
    for (const update of updates) {
      const current = this.account(update.account);
      if (current === undefined) return `unknown account ${update.account}`;
      if (update.version > current.version + 1) {
        return `version gap on ${update.account}: holds ${current.version}, got ${update.version}`;
      }
    }
    return undefined;
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
    lastSequence: db.prepare('SELECT COALESCE(MAX(sequence), 0) AS last FROM log'),
    appendLog: db.prepare('INSERT INTO log (sequence, key, request_id, payload) VALUES (?, ?, ?, ?)'),
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
