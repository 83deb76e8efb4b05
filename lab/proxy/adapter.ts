// The one place the lab talks to toxiproxy-node-client, with its quirks wrapped: it loses the server's
// error body, its update() needs every field, and its ToxicType lists a `down` that servers reject.
// Try: `const api = new ToxiproxyAdapter('http://127.0.0.1:8474'); await api.listProxies()`.
import { Proxy, Toxic, Toxiproxy } from 'toxiproxy-node-client';
import type { ICreateToxicBody, ToxicType as ClientToxicType } from 'toxiproxy-node-client';
import { HttpClient } from 'toxiproxy-node-client/dist/HttpClient.js';
import type { HttpResponse } from 'toxiproxy-node-client/dist/HttpClient.js';
import type { Decision } from './embedded/decisions.js';

/** The client lists `down`, which is not a toxic: a server answers 400. Disable the proxy instead. */
export type ToxicType = Exclude<ClientToxicType, 'down'>;
export type ToxicStream = 'upstream' | 'downstream';

/** Attributes per type, in the servers' units: milliseconds, KB/s, bytes, and microseconds for slicer delay. */
export interface ToxicAttributes {
  latency: { latency: number; jitter: number };
  bandwidth: { rate: number };
  slow_close: { delay: number };
  timeout: { timeout: number };
  reset_peer: { timeout: number };
  slicer: { average_size: number; size_variation: number; delay: number };
  limit_data: { bytes: number };
}

export interface ToxicSpec<Type extends ToxicType = ToxicType> {
  type: Type;
  attributes: ToxicAttributes[Type];
  /** Defaults to `<type>_<stream>`, as on the servers. */
  name?: string;
  /** Defaults to downstream (server to client), as on the servers. */
  stream?: ToxicStream;
  /** The share of connections it acts on, from 0 to 1; defaults to 1. */
  toxicity?: number;
}

export interface ToxicState {
  name: string;
  type: string;
  stream: string;
  toxicity: number;
  attributes: Record<string, number>;
}

export interface ProxyState {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicState[];
}

export interface ProxyFields {
  name: string;
  listen: string;
  upstream: string;
  enabled?: boolean;
}

/** GET /faultline/decisions on the embedded server. */
export interface DecisionDump {
  seed: string;
  dropped: number;
  decisions: Decision[];
}

export type ToxiproxyErrorCode = 'bad-request' | 'not-found' | 'conflict' | 'server' | 'unreachable' | 'bad-reply';

/** A failed API call, with the server's own message (the client alone keeps only the status). */
export class ToxiproxyApiError extends Error {
  constructor(
    readonly code: ToxiproxyErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ToxiproxyApiError';
  }
}

function codeOf(status: number): ToxiproxyErrorCode {
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status >= 400 && status < 500) return 'bad-request';
  return 'server';
}

/**
 * The client's own transport, with the same four methods, except that a failed call keeps the server's
 * `{"error", "status"}` body. The client's Proxy and Toxic objects take it from `toxiproxy.api`.
 */
class BodyKeepingHttpClient extends HttpClient {
  override async get<T>(url: string): Promise<HttpResponse<T>> {
    return { data: (await this.call('GET', url)) as T };
  }

  override async post<T>(url: string, body?: unknown): Promise<HttpResponse<T>> {
    return { data: (await this.call('POST', url, body)) as T };
  }

  override async delete(url: string): Promise<void> {
    await this.call('DELETE', url);
  }

  override async getText(url: string): Promise<string> {
    return (await this.fetchOk('GET', url)).text();
  }

  private async call(method: string, url: string, body?: unknown): Promise<unknown> {
    const text = await (await this.fetchOk(method, url, body)).text();
    if (text.length === 0) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ToxiproxyApiError('bad-reply', `${method} ${url}: the reply is not JSON: ${text.slice(0, 200)}`);
    }
  }

  private async fetchOk(method: string, url: string, body?: unknown): Promise<Response> {
    const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } };
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error instanceof Error ? error.message : String(error));
      throw new ToxiproxyApiError('unreachable', `${method} ${url}: ${cause}`);
    }
    if (response.ok) return response;
    const text = (await response.text()).trim();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // Not the servers' JSON error shape (a 404 page, say): keep the text as it is.
    }
    throw new ToxiproxyApiError(codeOf(response.status), `${method} ${url}: ${response.status} ${message}`, response.status);
  }
}

/** The client puts names into URLs unescaped, so the adapter accepts only names that need no escaping. */
const safeNamePattern = /^[A-Za-z0-9._-]{1,128}$/;

function checkName(name: string): string {
  if (!safeNamePattern.test(name)) throw new ToxiproxyApiError('bad-request', `name '${name}' must match ${safeNamePattern}`);
  return name;
}

export class ToxiproxyAdapter {
  readonly client: Toxiproxy;

  constructor(readonly apiUrl: string) {
    this.client = new Toxiproxy(apiUrl.replace(/\/+$/, ''));
    this.client.api = new BodyKeepingHttpClient();
  }

  async version(): Promise<string> {
    return this.client.getVersion();
  }

  async listProxies(): Promise<ProxyState[]> {
    const reply = await this.client.getApi().get<Record<string, ProxyState>>(`${this.client.host}/proxies`);
    return Object.values(reply.data ?? {}).sort((left, right) => (left.name < right.name ? -1 : 1));
  }

  async getProxy(name: string): Promise<ProxyState> {
    return (await this.client.getApi().get<ProxyState>(this.proxyHandle(name).getPath())).data;
  }

  async createProxy(fields: ProxyFields): Promise<ProxyState> {
    checkName(fields.name);
    const proxy = await this.client.createProxy(fields);
    return { ...proxy.toJson(), toxics: [] };
  }

  async deleteProxy(name: string): Promise<void> {
    await this.proxyHandle(name).remove();
  }

  /** The client's update() sends every field, so the current listen and upstream are read first. */
  async updateProxy(name: string, changes: Partial<Omit<ProxyFields, 'name'>>): Promise<ProxyState> {
    const current = await this.getProxy(name);
    const fields = { listen: changes.listen ?? current.listen, upstream: changes.upstream ?? current.upstream, enabled: changes.enabled ?? current.enabled };
    await this.proxyHandle(name).update(fields);
    return this.getProxy(name);
  }

  async setEnabled(name: string, enabled: boolean): Promise<ProxyState> {
    return this.updateProxy(name, { enabled });
  }

  async addToxic<Type extends ToxicType>(proxyName: string, spec: ToxicSpec<Type>): Promise<ToxicState> {
    const stream = spec.stream ?? 'downstream';
    const body: ICreateToxicBody<ToxicAttributes[Type]> = {
      name: checkName(spec.name ?? `${spec.type}_${stream}`),
      type: spec.type,
      stream,
      toxicity: spec.toxicity ?? 1,
      attributes: spec.attributes,
    };
    return (await this.proxyHandle(proxyName).addToxic(body)).toJson() as ToxicState;
  }

  async listToxics(proxyName: string): Promise<ToxicState[]> {
    return (await this.client.getApi().get<ToxicState[]>(`${this.proxyHandle(proxyName).getPath()}/toxics`)).data;
  }

  /** The client's update() sends every field: what is not changed is read from the server first. */
  async updateToxic(proxyName: string, toxicName: string, changes: { toxicity?: number; attributes?: Record<string, number> }): Promise<ToxicState> {
    const handle = this.proxyHandle(proxyName);
    const current = (await handle.getToxic<Record<string, number>>(checkName(toxicName))).toJson();
    const updated = await new Toxic(this.client.getApi(), handle.getPath(), current).update({
      ...current,
      toxicity: changes.toxicity ?? current.toxicity,
      attributes: { ...current.attributes, ...changes.attributes },
    });
    return updated.toJson() as ToxicState;
  }

  /** The client's Toxic.remove() needs only the path; the other fields of the handle are placeholders. */
  async removeToxic(proxyName: string, toxicName: string): Promise<void> {
    const handle = this.proxyHandle(proxyName);
    const placeholder = { name: checkName(toxicName), type: 'latency' as const, stream: 'downstream' as const, toxicity: 1, attributes: {} };
    await new Toxic(this.client.getApi(), handle.getPath(), placeholder).remove();
  }

  /** The embedded server's seeded decision log; a server without one (the real one) answers not-found. */
  async decisions(): Promise<DecisionDump> {
    return (await this.client.getApi().get<DecisionDump>(`${this.client.host}/faultline/decisions`)).data;
  }

  /**
   * POST /faultline/seed on the embedded server: it then decides as a fresh server with this seed
   * (its connections closed, ordinals, toxic generations and decision log reset; proxies kept, no
   * toxics). A server without it (the real one) answers not-found.
   */
  async reseed(seed: string | number): Promise<void> {
    await this.client.getApi().post(`${this.client.host}/faultline/seed`, { seed: String(seed) });
  }

  async clearDecisions(): Promise<void> {
    await this.client.getApi().delete(`${this.client.host}/faultline/decisions`);
  }

  /** Every proxy enabled again and every toxic removed. */
  async reset(): Promise<void> {
    await this.client.reset();
  }

  /**
   * A client Proxy for a name, without the GET the client would make first: its methods only need the
   * name and the server's address.
   */
  private proxyHandle(name: string): Proxy {
    return new Proxy(this.client, { name: checkName(name), listen: '', upstream: '', enabled: true, toxics: [] });
  }
}

/** True when the error is the adapter's and has this code: callers switch on it, never on a message. */
export function isToxiproxyError(error: unknown, code?: ToxiproxyErrorCode): error is ToxiproxyApiError {
  return error instanceof ToxiproxyApiError && (code === undefined || error.code === code);
}
