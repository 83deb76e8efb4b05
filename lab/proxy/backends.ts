// Starts the Toxiproxy backend a run asked for: external (TOXIPROXY_URL), the real binary, or the
// embedded seeded server; `auto` takes the first that is available, in that order.
// Try: `const backend = await startProxyBackend({ choice: 'auto', seed: 7 }); console.log(backend.description)`.
//
// The embedded server runs in the lab's own process. bench/proxy measured it against a child process
// (`faultline toxiproxy`): in-process adds about half the per-hop latency (p50 ~14 µs against ~26 µs),
// has the lower p99 on this shared 2-core machine, and ends with the run, so nothing can outlive it.
// A child process would shield the proxies from stalls of the runner's event loop, but the runner does
// no long synchronous work while a run is in flight; `faultline toxiproxy` remains for that use.
import type { Toxiproxy } from 'toxiproxy-node-client';
import { isToxiproxyError, ToxiproxyAdapter } from './adapter.js';
import type { DecisionDump } from './adapter.js';
import { findToxiproxyBinary, startToxiproxyBinary } from './binary.js';
import { EmbeddedToxiproxyServer } from './embedded/server.js';
import type { ProxyBackend, ProxyBackendChoice, ProxyBackendKind } from './types.js';

const proxyListen = '127.0.0.1:0';

export interface StartProxyBackendOptions {
  choice: ProxyBackendChoice;
  /** The run's seed: the embedded backend derives every random choice from it. */
  seed: number | string;
  /** Where TOXIPROXY_URL and PATH are read; process.env unless a test says otherwise. */
  env?: NodeJS.ProcessEnv;
}

export type ResolvedBackend =
  | { kind: 'external'; url: string }
  | { kind: 'binary'; path: string }
  | { kind: 'embedded' };

/** Which backend a choice means here; throws when an explicit choice is not available. */
export function resolveBackend(choice: ProxyBackendChoice, env: NodeJS.ProcessEnv = process.env): ResolvedBackend {
  const url = env['TOXIPROXY_URL'];
  const binary = findToxiproxyBinary(env['PATH'] ?? '');
  if (choice === 'external' || (choice === 'auto' && url !== undefined && url.length > 0)) {
    if (url === undefined || url.length === 0) throw new Error('--proxy external needs TOXIPROXY_URL');
    return { kind: 'external', url };
  }
  if (choice === 'binary' || (choice === 'auto' && binary !== undefined)) {
    if (binary === undefined) throw new Error('--proxy binary needs toxiproxy-server in .tools/bin (npm run setup:toxiproxy) or on PATH');
    return { kind: 'binary', path: binary };
  }
  return { kind: 'embedded' };
}

export async function startProxyBackend(options: StartProxyBackendOptions): Promise<ProxyBackend> {
  const resolved = resolveBackend(options.choice, options.env);
  if (resolved.kind === 'external') {
    const adapter = new ToxiproxyAdapter(resolved.url);
    const version = await adapter.version();
    return new ServerBackend('external', adapter, `external Toxiproxy at ${resolved.url} (${version.trim()})`, false, async () => {});
  }
  if (resolved.kind === 'binary') {
    const server = await startToxiproxyBinary(resolved.path);
    const description = `binary toxiproxy-server at ${server.url} (pid ${server.pid}, ${resolved.path}); toxicity and jitter are not seeded`;
    return new ServerBackend('binary', new ToxiproxyAdapter(server.url), description, true, server.stop);
  }
  const server = await EmbeddedToxiproxyServer.start({ seed: options.seed });
  const description = `embedded faultline Toxiproxy at ${server.url} (in-process, seed ${String(options.seed)})`;
  return new ServerBackend('embedded', new ToxiproxyAdapter(server.url), description, true, () => server.close());
}

class ServerBackend implements ProxyBackend {
  readonly apiUrl: string;
  readonly seeded: boolean;
  private readonly created = new Set<string>();
  private stopped: Promise<void> | undefined;

  constructor(
    readonly kind: ProxyBackendKind,
    readonly adapter: ToxiproxyAdapter,
    readonly description: string,
    /** Whether this backend started the server (and so owns every proxy on it). */
    private readonly owned: boolean,
    private readonly stopServer: () => Promise<void>,
  ) {
    this.apiUrl = adapter.apiUrl;
    this.seeded = kind === 'embedded';
  }

  get client(): Toxiproxy {
    return this.adapter.client;
  }

  async createProxy(name: string, upstream: string): Promise<string> {
    try {
      const proxy = await this.adapter.createProxy({ name, listen: proxyListen, upstream });
      this.created.add(name);
      return proxy.listen;
    } catch (error) {
      if (!isToxiproxyError(error, 'conflict')) throw error;
    }
    await this.adapter.deleteProxy(name);
    const proxy = await this.adapter.createProxy({ name, listen: proxyListen, upstream });
    this.created.add(name);
    return proxy.listen;
  }

  async setUpstream(name: string, upstream: string): Promise<void> {
    await this.adapter.updateProxy(name, { upstream });
  }

  /** On a server it started, every proxy; on an external one, only the proxies it created. */
  async deleteAllProxies(): Promise<void> {
    const names = this.owned ? (await this.adapter.listProxies()).map((proxy) => proxy.name) : [...this.created];
    for (const name of names) {
      try {
        await this.adapter.deleteProxy(name);
      } catch (error) {
        if (!isToxiproxyError(error, 'not-found')) throw error;
      }
    }
    this.created.clear();
  }

  async reset(): Promise<void> {
    await this.adapter.reset();
  }

  async reseed(seed: number | string): Promise<boolean> {
    if (!this.seeded) return false;
    await this.adapter.reseed(seed);
    return true;
  }

  async decisions(): Promise<DecisionDump | undefined> {
    return this.seeded ? this.adapter.decisions() : undefined;
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (!this.owned) await this.deleteAllProxies().catch(() => undefined);
      await this.stopServer();
    })();
    return this.stopped;
  }
}
