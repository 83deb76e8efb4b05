// faultline's embedded Toxiproxy server: the HTTP API of Toxiproxy 2.12 over the registry, plus
// GET/DELETE /faultline/decisions and POST /faultline/seed. Try: `npx faultline toxiproxy --port 8474 --seed 7`, then any Toxiproxy client.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, internalError, missingField } from './api-error.js';
import { expectObject, field, parseBody } from './decode.js';
import { ProxyRegistry } from './registry.js';
import type { PopulateReply } from './registry.js';
import { toxicJson } from './toxic.js';

/** The API version this server answers for; the suffix says which server it is. */
export const embeddedVersion = '2.12.0+faultline';
const requestBodyBytesMax = 1024 * 1024;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Params = Record<string, string>;

interface Reply {
  status: number;
  /** JSON to send; undefined sends no body (204). */
  json?: unknown;
  /** A body sent as is, for the replies the real server writes by hand. */
  raw?: { text: string; contentType: string };
}

type Handler = (params: Params, body: string) => Promise<Reply> | Reply;

interface Route {
  segments: string[];
  handlers: Partial<Record<Method, Handler>>;
}

export interface EmbeddedServerOptions {
  seed: string | number;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export class EmbeddedToxiproxyServer {
  readonly registry: ProxyRegistry;
  private readonly http: Server;
  private readonly routes: Route[];
  /** Requests run one at a time, as the real server's locks serialize them. */
  private queue: Promise<unknown> = Promise.resolve();
  private address: AddressInfo | undefined;

  constructor(seed: string | number) {
    this.registry = new ProxyRegistry(String(seed));
    this.routes = buildRoutes(this.registry);
    this.http = createServer((request, response) => void this.handle(request, response));
  }

  static async start(options: EmbeddedServerOptions): Promise<EmbeddedToxiproxyServer> {
    const server = new EmbeddedToxiproxyServer(options.seed);
    await server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
    return server;
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen({ host, port, exclusive: true }, resolve);
    });
    this.address = this.http.address() as AddressInfo;
  }

  get url(): string {
    if (this.address === undefined) throw new Error('the embedded Toxiproxy server is not listening');
    return `http://${this.address.address}:${this.address.port}`;
  }

  /** Stops every proxy (closing its connections) and the API. */
  async close(): Promise<void> {
    await this.registry.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const body = await readBody(request);
      if ((request.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
        return send(response, { status: 403, raw: { text: 'User agent not allowed\n', contentType: 'text/plain; charset=utf-8' } });
      }
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const found = this.route(request.method ?? 'GET', path);
      if (found === 'not found') return send(response, { status: 404, raw: { text: '404 page not found\n', contentType: 'text/plain; charset=utf-8' } });
      if (found === 'method not allowed') return send(response, { status: 405 });
      const [handler, params] = found;
      const reply = this.queue.then(() => handler(params, body));
      this.queue = reply.catch(() => undefined);
      send(response, await reply);
    } catch (error) {
      sendError(response, error instanceof ApiError ? error : internalError(error instanceof Error ? error.message : String(error)));
    }
  }

  private route(method: string, path: string): [Handler, Params] | 'not found' | 'method not allowed' {
    const parts = path.split('/').slice(1);
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (params === undefined) continue;
      const handler = route.handlers[method as Method];
      return handler === undefined ? 'method not allowed' : [handler, params];
    }
    return 'not found';
  }
}

function matchSegments(segments: string[], parts: string[]): Params | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Params = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index] ?? '';
    if (segment.startsWith(':')) {
      if (part.length === 0) return undefined;
      params[segment.slice(1)] = decodeURIComponent(part);
    } else if (segment !== part) {
      return undefined;
    }
  }
  return params;
}

function param(params: Params, name: string): string {
  return params[name] ?? '';
}

function buildRoutes(registry: ProxyRegistry): Route[] {
  const ok = (json: unknown): Reply => ({ status: 200, json });
  const noContent: Reply = { status: 204 };
  return [
    { segments: ['reset'], handlers: { POST: async () => (await registry.reset(), noContent) } },
    {
      segments: ['proxies'],
      handlers: {
        GET: () => ok(registry.list()),
        POST: async (_, body) => ({ status: 201, json: await registry.create(parseBody(body)) }),
      },
    },
    { segments: ['populate'], handlers: { POST: async (_, body) => populateReply(await registry.populate(() => parseBody(body))) } },
    {
      segments: ['proxies', ':proxy'],
      handlers: {
        GET: (params) => ok(registry.proxy(param(params, 'proxy')).toJson()),
        POST: async (params, body) => ok(await registry.update(param(params, 'proxy'), parseBody(body))),
        PATCH: async (params, body) => ok(await registry.update(param(params, 'proxy'), parseBody(body))),
        DELETE: async (params) => (await registry.remove(param(params, 'proxy')), noContent),
      },
    },
    {
      segments: ['proxies', ':proxy', 'toxics'],
      handlers: {
        GET: (params) => ok(registry.proxy(param(params, 'proxy')).toJson().toxics),
        POST: (params, body) => ok(registry.createToxic(param(params, 'proxy'), parseBody(body))),
      },
    },
    {
      segments: ['proxies', ':proxy', 'toxics', ':toxic'],
      handlers: {
        GET: (params) => ok(toxicJson(registry.toxic(param(params, 'proxy'), param(params, 'toxic')))),
        POST: async (params, body) => ok(await registry.updateToxic(param(params, 'proxy'), param(params, 'toxic'), parseBody(body))),
        PATCH: async (params, body) => ok(await registry.updateToxic(param(params, 'proxy'), param(params, 'toxic'), parseBody(body))),
        DELETE: async (params) => (await registry.removeToxic(param(params, 'proxy'), param(params, 'toxic')), noContent),
      },
    },
    { segments: ['version'], handlers: { GET: () => ({ status: 200, raw: { text: `{"version": "${embeddedVersion}"}\n`, contentType: 'application/json;charset=utf-8' } }) } },
    {
      segments: ['faultline', 'decisions'],
      handlers: {
        GET: () => ok({ seed: registry.seed, dropped: registry.decisions.dropped, decisions: registry.decisions.sorted() }),
        DELETE: () => (registry.decisions.clear(), noContent),
      },
    },
    {
      segments: ['faultline', 'seed'],
      handlers: {
        GET: () => ok({ seed: registry.seed }),
        POST: async (_, body) => {
          const seed = seedOf(parseBody(body));
          await registry.reseed(seed);
          return ok({ seed });
        },
      },
    },
  ];
}

/** `{"seed": "7"}` or `{"seed": -7}`: text, or a whole number (written in decimal, as the node flag takes it). */
function seedOf(body: unknown): string {
  const value = field(expectObject(body, 'faultline.Seed'), 'seed');
  if (value === undefined) throw ApiError.wrap(missingField, 'seed');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new ApiError('seed must be a string or a safe integer', 400);
}

function populateReply(reply: PopulateReply): Reply {
  return { status: reply.status, json: reply.body };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request) {
    total += (chunk as Buffer).length;
    if (total > requestBodyBytesMax) throw new ApiError(`request body over ${requestBodyBytesMax} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, reply: Reply): void {
  if (reply.raw !== undefined) {
    response.writeHead(reply.status, { 'Content-Type': reply.raw.contentType });
    response.end(reply.raw.text);
    return;
  }
  if (reply.json === undefined) {
    response.writeHead(reply.status);
    response.end();
    return;
  }
  response.writeHead(reply.status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(reply.json));
}

/** Go's http.Error: text/plain, nosniff, the JSON and a newline. */
function sendError(response: ServerResponse, error: ApiError): void {
  response.writeHead(error.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  response.end(`${JSON.stringify(error.toJSON())}\n`);
}
