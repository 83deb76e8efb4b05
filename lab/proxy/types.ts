// What the rest of the lab needs from a Toxiproxy backend, whichever one runs (external, the real
// binary, or faultline's embedded server). Implementations live beside this file.
import type { Toxiproxy } from 'toxiproxy-node-client';
import type { DecisionDump, ToxiproxyAdapter } from './adapter.js';

export type ProxyBackendKind = 'external' | 'binary' | 'embedded';
export type ProxyBackendChoice = ProxyBackendKind | 'auto';

export interface ProxyBackend {
  readonly kind: ProxyBackendKind;
  /** The HTTP API's base URL, e.g. http://127.0.0.1:8474. */
  readonly apiUrl: string;
  /** The client, for nemesis primitives (through the adapter that hides its quirks). */
  readonly client: Toxiproxy;
  /** The adapter over `client`: the way every part of the lab should drive the server. */
  readonly adapter: ToxiproxyAdapter;
  /** One line saying which backend runs, for the caller to print once at the start of a run. */
  readonly description: string;
  /** True when toxicity, jitter and slicing replay from the seed (the embedded backend only). */
  readonly seeded: boolean;
  /** Creates (or replaces) a proxy listening on a free loopback port; returns host:port it listens on. */
  createProxy(name: string, upstream: string): Promise<string>;
  /** Points an existing proxy at a new upstream (the server restarts its listener on the same port). */
  setUpstream(name: string, upstream: string): Promise<void>;
  /** Removes every proxy this backend knows of. */
  deleteAllProxies(): Promise<void>;
  /** Re-enables every proxy and removes every toxic (POST /reset). */
  reset(): Promise<void>;
  /**
   * Starts the server's randomness again from `seed`, as if it had just started with it (see
   * ProxyRegistry.reseed; it also heals). True when it did; false, and nothing done, for a backend
   * that cannot be seeded (the real toxiproxy-server, an external URL), whose `seeded` is false too.
   */
  reseed(seed: number | string): Promise<boolean>;
  /** The embedded server's decision log; undefined for servers that keep none. */
  decisions(): Promise<DecisionDump | undefined>;
  /** Stops the server if this backend started it. Idempotent. */
  stop(): Promise<void>;
}
