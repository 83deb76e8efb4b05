// The embedded server's state behind its HTTP API: the proxies by name, their toxics, and the seeded
// decision log. Each method is one route of the real server's api.go, with its checks in its order.
import { ApiError, invalidStream, invalidToxicType, missingField, proxyAlreadyExists, proxyNotFound, toxicAlreadyExists, toxicNotFound } from './api-error.js';
import { DecisionLog } from './decisions.js';
import { booleanField, expectArray, expectObject, field, float32Field, integerField, stringField } from './decode.js';
import type { JsonObject } from './decode.js';
import { EmbeddedProxy, splitAddress } from './proxy.js';
import type { ProxyContext, ProxyJson } from './proxy.js';
import { isToxicType, parseStream, toxicAttributeNames, toxicGoStruct, toxicJson } from './toxic.js';
import type { Toxic, ToxicJson } from './toxic.js';

const populateGoType = '[]struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }';

export interface PopulateReply {
  status: number;
  body: { error?: string; status?: number; proxies: ProxyJson[] | null };
}

export class ProxyRegistry {
  readonly decisions = new DecisionLog();
  private readonly proxies = new Map<string, EmbeddedProxy>();
  private readonly connectionOrdinals = new Map<string, number>();
  private readonly toxicGenerations = new Map<string, number>();
  private readonly context: ProxyContext;

  constructor(seed: string) {
    this.context = { seed, decisions: this.decisions, nextConnection: (proxy: string) => this.bump(this.connectionOrdinals, proxy) };
  }

  get seed(): string {
    return this.context.seed;
  }

  /**
   * POST /faultline/seed: from here on the server decides as a fresh one started with `seed` would,
   * keeping its proxies (names, listen addresses, upstreams), every one enabled and without toxics.
   *
   * The connections still open are closed, not kept. A decision's key holds the connection's ordinal
   * on its proxy, and a fresh server numbers connections from 1 in accept order. A connection kept
   * from an earlier run would either keep its old ordinal (so a toxic of this run would draw on a
   * stream no fresh server has) or need a new one that depends on which connections the earlier runs
   * happened to leave open (a lazily opened Point channel, a stream that reconnected). Closed, every
   * client dials again when it next needs to, and gets its ordinal in the same order as against a
   * fresh server: a grpc-js channel whose connection dropped goes idle and dials on its next call, and
   * a branch's propagation stream redials after its backoff or at its Reset. The caller waits until
   * the clients have seen their connections close (Cluster.reset waits for the nodes' streams to go
   * down) before the next run's traffic starts.
   *
   * The toxics go first, since removing one awaits its stages; the closing, the counters and the log
   * are then reset in one synchronous step, so no connection accepted meanwhile keeps an old ordinal.
   */
  async reseed(seed: string): Promise<void> {
    await this.reset();
    for (const proxy of this.proxies.values()) proxy.dropConnections();
    this.connectionOrdinals.clear();
    this.toxicGenerations.clear();
    this.decisions.clear();
    this.context.seed = seed;
  }

  private bump(counters: Map<string, number>, key: string): number {
    const next = (counters.get(key) ?? 0) + 1;
    counters.set(key, next);
    return next;
  }

  /** GET /proxies: an object keyed by name, keys sorted as Go's encoding/json sorts map keys. */
  list(): Record<string, ProxyJson> {
    const names = [...this.proxies.keys()].sort();
    return Object.fromEntries(names.map((name) => [name, this.proxy(name).toJson()]));
  }

  proxy(name: string): EmbeddedProxy {
    const proxy = this.proxies.get(name);
    if (proxy === undefined) throw proxyNotFound;
    return proxy;
  }

  /** POST /proxies: 201, 409 for a taken name, 400 for a missing name or upstream. */
  async create(body: unknown): Promise<ProxyJson> {
    const input = expectObject(body, 'toxiproxy.Proxy');
    const name = stringField(input, 'name', 'Proxy', '');
    const listen = stringField(input, 'listen', 'Proxy', '');
    const upstream = stringField(input, 'upstream', 'Proxy', '');
    const enabled = booleanField(input, 'enabled', 'Proxy', true);
    if (name.length === 0) throw ApiError.wrap(missingField, 'name');
    if (upstream.length === 0) throw ApiError.wrap(missingField, 'upstream');
    if (this.proxies.has(name)) throw proxyAlreadyExists;
    const proxy = new EmbeddedProxy(this.context, name, listen, upstream);
    if (enabled) await proxy.start();
    this.proxies.set(name, proxy);
    return proxy.toJson();
  }

  /**
   * POST /populate: checks every entry first, then adds each or replaces one whose listen or upstream
   * differs. Its errors, a bad body too, come as JSON with the proxies done so far, as the real server's do.
   */
  async populate(readBody: () => unknown): Promise<PopulateReply> {
    const done: ProxyJson[] = [];
    try {
      const entries = expectArray(readBody(), populateGoType).map((entry) => expectObject(entry, populateGoType));
      entries.forEach((entry, index) => {
        if (stringField(entry, 'name', 'Proxy', '').length === 0) throw ApiError.wrap(missingField, `name at proxy ${index + 1}`);
        if (stringField(entry, 'upstream', 'Proxy', '').length === 0) throw ApiError.wrap(missingField, `upstream at proxy ${index + 1}`);
      });
      for (const entry of entries) done.push((await this.addOrReplace(entry)).toJson());
      return { status: 201, body: { proxies: done.length > 0 ? done : null } };
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(String(error), 500);
      return { status: failure.status, body: { error: failure.message, status: failure.status, proxies: done.length > 0 ? done : null } };
    }
  }

  private async addOrReplace(entry: JsonObject): Promise<EmbeddedProxy> {
    const name = stringField(entry, 'name', 'Proxy', '');
    const listen = stringField(entry, 'listen', 'Proxy', '');
    const upstream = stringField(entry, 'upstream', 'Proxy', '');
    const existing = this.proxies.get(name);
    if (existing !== undefined) {
      if (sameListen(listen, existing.listen) && upstream === existing.upstream) return existing;
      await existing.stop();
    }
    const proxy = new EmbeddedProxy(this.context, name, listen, upstream);
    if (booleanField(entry, 'enabled', 'Proxy', true)) await proxy.start();
    this.proxies.set(name, proxy);
    return proxy;
  }

  /** POST or PATCH /proxies/{name}: fields left out keep their values. */
  async update(name: string, body: unknown): Promise<ProxyJson> {
    const proxy = this.proxy(name);
    const input = expectObject(body, 'toxiproxy.Proxy');
    await proxy.update({
      listen: stringField(input, 'listen', 'Proxy', proxy.listen),
      upstream: stringField(input, 'upstream', 'Proxy', proxy.upstream),
      enabled: booleanField(input, 'enabled', 'Proxy', proxy.enabled),
    });
    return proxy.toJson();
  }

  async remove(name: string): Promise<void> {
    await this.proxy(name).stop();
    this.proxies.delete(name);
  }

  /** POST /reset: every proxy enabled again and every toxic gone. */
  async reset(): Promise<void> {
    for (const proxy of this.proxies.values()) {
      await proxy.start();
      await proxy.removeEveryToxic();
    }
  }

  toxic(proxyName: string, toxicName: string): Toxic {
    const toxic = this.proxy(proxyName).findToxic(toxicName);
    if (toxic === undefined) throw toxicNotFound;
    return toxic;
  }

  /** POST /proxies/{name}/toxics: 200; it acts on the proxy's open connections at once. */
  createToxic(proxyName: string, body: unknown): ToxicJson {
    const proxy = this.proxy(proxyName);
    const input = expectObject(body, 'toxics.ToxicWrapper');
    const type = stringField(input, 'type', 'ToxicWrapper', '');
    const stream = stringField(input, 'stream', 'ToxicWrapper', 'downstream');
    const toxicity = float32Field(input, 'toxicity', 'ToxicWrapper', 1);
    const attributes = expectObject(field(input, 'attributes') ?? null, 'toxics.NoopToxic', 'Go struct field ToxicWrapper.attributes');
    const name = stringField(input, 'name', 'ToxicWrapper', '') || `${type}_${stream}`;
    const direction = parseStream(stream);
    if (direction === undefined) throw invalidStream;
    if (!isToxicType(type)) throw invalidToxicType;
    if (proxy.findToxic(name) !== undefined) throw toxicAlreadyExists;
    const generation = this.bump(this.toxicGenerations, `${proxyName}/${name}`);
    const toxic: Toxic = { name, type, stream, direction, toxicity, attributes: {}, generation };
    readAttributes(toxic, attributes);
    proxy.addToxic(toxic);
    return toxicJson(toxic);
  }

  /** POST or PATCH /proxies/{name}/toxics/{toxic}: attributes and toxicity only; left out keeps them. */
  async updateToxic(proxyName: string, toxicName: string, body: unknown): Promise<ToxicJson> {
    const proxy = this.proxy(proxyName);
    const toxic = this.toxic(proxyName, toxicName);
    const input = expectObject(body, 'struct { Attributes interface {}; Toxicity float32 }');
    // The real server decodes into an anonymous struct, hence the field with no struct name.
    readAttributes(toxic, expectObject(field(input, 'attributes') ?? null, `toxics.${toxicGoStruct[toxic.type]}`, 'Go struct field .attributes'));
    toxic.toxicity = float32Field(input, 'toxicity', 'Toxicity', toxic.toxicity);
    await proxy.updateToxic(toxic);
    return toxicJson(toxic);
  }

  async removeToxic(proxyName: string, toxicName: string): Promise<void> {
    const proxy = this.proxy(proxyName);
    await proxy.removeToxic(this.toxic(proxyName, toxicName));
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.stop()));
    this.proxies.clear();
  }
}

function readAttributes(toxic: Toxic, input: JsonObject): void {
  const struct = `${toxicGoStruct[toxic.type]}.attributes`;
  for (const name of toxicAttributeNames[toxic.type]) {
    toxic.attributes[name] = integerField(input, name, struct, toxic.attributes[name] ?? 0);
  }
}

/** The real server compares the resolved new listen address with the one the proxy has. */
function sameListen(listen: string, current: string): boolean {
  const { host, port } = splitAddress(listen);
  const resolved = host === 'localhost' ? '127.0.0.1' : host;
  return `${resolved}:${port}` === current;
}
