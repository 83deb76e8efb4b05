// What one branch node is started with, and the parsers for the `faultline node` flag values.
// Try it: `parsePeers('b2=127.0.0.1:7002,b3=127.0.0.1:7003')`.
import { bugs, isBranchId, strategies } from '../../plan/index.js';
import type { BranchId, Bug, Strategy } from '../../plan/index.js';

/** SQLite's `synchronous` setting of the node's store (Store.open says what each survives). */
/** SQLite's `synchronous` setting of the node's store (Store.open says what each survives). */
export type Synchronous = 'normal' | 'full';

/** The strategies and planted bugs a node runs: the names lab/plan declares. */
export const strategyNames = strategies;
export type StrategyName = Strategy;
export const bugNames = bugs;
export type BugName = Bug;

export interface Peer {
  id: BranchId;
  /** Where to dial the peer: in a lab cluster, the Toxiproxy proxy of the link self→peer. */
  address: string;
}

export interface InitialAccount {
  account: string;
  balance: number;
}

export interface NodeConfig {
  id: BranchId;
  host: string;
  port: number;
  peers: Peer[];
  strategy: StrategyName;
  dataDir: string;
  /** Created only when the data directory is new: on a restart the durable state wins. */
  accounts: InitialAccount[];
  seed: string;
  bug: BugName | undefined;
  /** How long a receiver remembers an applied idempotency key (the dedup store's TTL). */
  dedupWindowMs: number;
  /** Backpressure: new customer ops are refused once this many log rows wait for some peer's ack. */
  outboxRowsMax: number;
  /** Backpressure: the same, in bytes of update payload. */
  outboxBytesMax: number;
  /** SQLite's synchronous setting: `normal` survives kill -9, `full` also a power cut (see Store.open). */
  synchronous: Synchronous;
}

export const synchronousNames = ['normal', 'full'] as const satisfies readonly Synchronous[];

/**
 * A duplicate reaches a receiver when an update was applied but its ack was lost, and the sender
 * resends it after reconnecting: as late as the longest outage. Five minutes covers every lab run and
 * the 30 s partitions of bench/propagation; beyond it, version order still refuses a stale update.
 */
export const dedupWindowMsDefault = 300_000;
/** The receiver must remember a key at least as long as a reconnect takes, or a resend slips through. */
export const dedupWindowMsMin = 1_000;
export const dedupWindowMsMax = 7 * 24 * 3_600_000;
/** Room for a 30 s outage at a few hundred ops per second before customers are turned away. */
export const outboxRowsMaxDefault = 20_000;
export const outboxBytesMaxDefault = 8 * 1024 * 1024;
export const outboxRowsMaxLimit = 10_000_000;
export const outboxBytesMaxLimit = 1024 * 1024 * 1024;

/** A problem with a flag value; the CLI turns it into a usage error. */
export class ConfigError extends Error {
  readonly code = 'config';
}

const portMax = 65_535;
const accountPattern = /^[A-Za-z0-9_.-]{1,64}$/;

/** `127.0.0.1:PORT` or `localhost:PORT`; nothing else may be listened on. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(127\.0\.0\.1|localhost):(\d{1,5})$/.exec(text);
  if (match === null) {
    throw new ConfigError(`--listen must be 127.0.0.1:PORT or localhost:PORT, got '${text}'`);
  }
  const port = Number(match[2]);
  if (port > portMax) throw new ConfigError(`--listen port must be at most ${portMax}, got ${port}`);
  // localhost may resolve to ::1; the lab only ever uses the IPv4 loopback.
  return { host: '127.0.0.1', port };
}

/** `b2=127.0.0.1:7002,b3=127.0.0.1:7003`; an empty text means a branch alone. */
export function parsePeers(text: string, self: BranchId): Peer[] {
  if (text === '') return [];
  const peers: Peer[] = [];
  for (const entry of text.split(',')) {
    const match = /^([^=]+)=([^:]+):(\d{1,5})$/.exec(entry);
    if (match === null) throw new ConfigError(`--peers entries look like b2=127.0.0.1:PORT, got '${entry}'`);
    const [, id = '', host = '', portText = ''] = match;
    if (!isBranchId(id)) throw new ConfigError(`--peers: '${id}' is not a branch id`);
    if (id === self) throw new ConfigError(`--peers must not list the node itself (${id})`);
    if (peers.some((peer) => peer.id === id)) throw new ConfigError(`--peers lists ${id} twice`);
    const port = Number(portText);
    if (port < 1 || port > portMax) throw new ConfigError(`--peers: bad port in '${entry}'`);
    peers.push({ id, address: `${host}:${port}` });
  }
  return peers;
}

/** `a1=100,a2=50`: whole non-negative amounts in cents. */
export function parseAccounts(text: string): InitialAccount[] {
  if (text === '') return [];
  const accounts: InitialAccount[] = [];
  for (const entry of text.split(',')) {
    const match = /^([^=]+)=(\d{1,15})$/.exec(entry);
    if (match === null) throw new ConfigError(`--accounts entries look like a1=100, got '${entry}'`);
    const [, account = '', balanceText = ''] = match;
    if (!accountPattern.test(account)) throw new ConfigError(`--accounts: bad account name '${account}'`);
    if (accounts.some((known) => known.account === account)) {
      throw new ConfigError(`--accounts lists ${account} twice`);
    }
    accounts.push({ account, balance: Number(balanceText) });
  }
  return accounts;
}

export function isAccountName(text: string): boolean {
  return accountPattern.test(text);
}
