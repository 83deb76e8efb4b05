// Conformance of the Toxiproxy HTTP API on every available backend: status codes, error bodies and
// JSON shapes, then the embedded server's transcript against the real server's, byte for byte where it matters.
// It speaks raw HTTP on purpose: success codes and content types are what it checks, and the client hides them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyBackend } from '../lab/proxy/index.js';
import { availableBackendKinds } from '../lab/proxy/_testing/harness.js';
import type { ProxyBackend, ProxyBackendKind } from '../lab/proxy/index.js';

const upstream = '127.0.0.1:9';
const listen = '127.0.0.1:0';

interface Step {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  path: string;
  body?: unknown;
  /** Sent as is, for bodies that are not JSON. */
  raw?: string;
  userAgent?: string;
  status: number;
}

interface Answer {
  step: string;
  status: number;
  contentType: string;
  body: unknown;
}

const proxyKeys = ['enabled', 'listen', 'name', 'toxics', 'upstream'];

/** Every route and error of the API, in an order where each step's answer is known. */
const script: Step[] = [
  { method: 'GET', path: '/proxies', status: 200 },
  { method: 'POST', path: '/proxies', body: { name: 'one', listen, upstream }, status: 201 },
  { method: 'POST', path: '/proxies', body: { name: 'one', listen, upstream }, status: 409 },
  { method: 'POST', path: '/proxies', body: { listen, upstream }, status: 400 },
  { method: 'POST', path: '/proxies', body: { name: 'two', listen }, status: 400 },
  { method: 'POST', path: '/proxies', raw: '', status: 400 },
  { method: 'POST', path: '/proxies', body: { name: 5, listen, upstream }, status: 400 },
  { method: 'POST', path: '/proxies', body: { name: 'off', listen, upstream, enabled: false }, status: 201 },
  { method: 'GET', path: '/proxies/one', status: 200 },
  { method: 'GET', path: '/proxies/nope', status: 404 },
  { method: 'POST', path: '/proxies/one/toxics', body: { type: 'latency', attributes: { latency: 100 } }, status: 200 },
  { method: 'POST', path: '/proxies/one/toxics', body: { type: 'latency', attributes: { latency: 5 } }, status: 409 },
  { method: 'POST', path: '/proxies/one/toxics', body: { type: 'down', attributes: {} }, status: 400 },
  { method: 'POST', path: '/proxies/one/toxics', body: { name: 'x', type: 'latency', stream: 'sideways' }, status: 400 },
  { method: 'POST', path: '/proxies/nope/toxics', body: { type: 'latency' }, status: 404 },
  { method: 'POST', path: '/proxies/one/toxics', body: { name: 'cut', type: 'timeout', stream: 'upstream', toxicity: 0.5, attributes: { timeout: 0 } }, status: 200 },
  { method: 'POST', path: '/proxies/one/toxics', body: { type: 'bandwidth', stream: 'upstream', attributes: { rate: 100 } }, status: 200 },
  { method: 'POST', path: '/proxies/one/toxics', body: { name: 'slow', type: 'slow_close', attributes: { delay: 10 } }, status: 200 },
  { method: 'POST', path: '/proxies/one/toxics', body: { name: 'rst', type: 'reset_peer', toxicity: 0, attributes: { timeout: 10 } }, status: 200 },
  { method: 'POST', path: '/proxies/one/toxics', body: { name: 'slices', type: 'slicer', attributes: { average_size: 10, size_variation: 2, delay: 50 } }, status: 200 },
  { method: 'POST', path: '/proxies/one/toxics', body: { name: 'cap', type: 'limit_data', toxicity: 0.123456789, attributes: { bytes: 10 } }, status: 200 },
  { method: 'GET', path: '/proxies/one/toxics', status: 200 },
  { method: 'GET', path: '/proxies/one/toxics/cut', status: 200 },
  { method: 'GET', path: '/proxies/one/toxics/nope', status: 404 },
  { method: 'PATCH', path: '/proxies/one/toxics/cut', body: { toxicity: 0.25 }, status: 200 },
  { method: 'POST', path: '/proxies/one/toxics/latency_downstream', body: { attributes: { jitter: 5 } }, status: 200 },
  { method: 'PATCH', path: '/proxies/one/toxics/nope', body: { toxicity: 1 }, status: 404 },
  { method: 'DELETE', path: '/proxies/one/toxics/cut', status: 204 },
  { method: 'DELETE', path: '/proxies/one/toxics/cut', status: 404 },
  { method: 'GET', path: '/proxies/one', status: 200 },
  { method: 'POST', path: '/proxies/one', body: { enabled: false }, status: 200 },
  { method: 'PATCH', path: '/proxies/one', body: { enabled: true }, status: 200 },
  { method: 'PATCH', path: '/proxies/nope', body: { enabled: true }, status: 404 },
  { method: 'POST', path: '/populate', body: [], status: 201 },
  // Recorded disagreement, fixed: /populate writes its errors itself, as JSON with `proxies`, not via http.Error.
  { method: 'POST', path: '/populate', body: [{ listen, upstream }], status: 400 },
  { method: 'POST', path: '/populate', body: { name: 'one' }, status: 400 },
  { method: 'POST', path: '/populate', body: [{ name: 'three', listen, upstream, enabled: false }], status: 201 },
  { method: 'POST', path: '/reset', status: 204 },
  { method: 'GET', path: '/proxies', status: 200 },
  { method: 'DELETE', path: '/proxies/off', status: 204 },
  { method: 'DELETE', path: '/proxies/off', status: 404 },
  { method: 'GET', path: '/nowhere', status: 404 },
  { method: 'PUT', path: '/proxies', status: 405 },
  { method: 'GET', path: '/proxies', userAgent: 'Mozilla/5.0', status: 403 },
  { method: 'PATCH', path: '/proxies/one', body: { listen }, status: 200 },
  // Recorded disagreement, fixed: the error names the field ("Go struct field ToxicWrapper.attributes").
  { method: 'POST', path: '/proxies/one/toxics', body: { type: 'latency', attributes: 5 }, status: 400 },
  { method: 'POST', path: '/proxies/one/toxics', body: { type: 'latency', attributes: { latency: 1.5 } }, status: 400 },
  { method: 'POST', path: '/proxies/one/toxics', body: { type: 'latency', toxicity: 'all' }, status: 400 },
  { method: 'POST', path: '/proxies/one/toxics', body: { name: 'later', type: 'latency', attributes: { latency: 1 } }, status: 200 },
  { method: 'PATCH', path: '/proxies/one/toxics/later', body: { attributes: { latency: 'slow' } }, status: 400 },
  { method: 'POST', path: '/proxies', body: { name: 'clash', listen: 'API', upstream }, status: 500 },
  // Recorded disagreement, fixed: net.Listen says "listen tcp: address no-port: missing port in address".
  { method: 'POST', path: '/proxies', body: { name: 'nowhere', listen: 'no-port', upstream }, status: 500 },
  { method: 'PATCH', path: '/proxies/one', body: { listen: 'no-port' }, status: 500 },
  // Recorded disagreement, fixed: an update decodes into an anonymous struct ("Go struct field .attributes").
  { method: 'PATCH', path: '/proxies/one/toxics/later', body: { attributes: 5 }, status: 400 },
  { method: 'PATCH', path: '/proxies/one', body: [], status: 400 },
];

async function play(apiUrl: string): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (const step of script) {
    // 'API' stands for the API server's own address: a port certainly in use.
    const body = step.raw ?? (step.body === undefined ? undefined : JSON.stringify(step.body).replace('"API"', JSON.stringify(new URL(apiUrl).host)));
    const headers: Record<string, string> = { 'User-Agent': step.userAgent ?? 'faultline-conformance' };
    const response = await fetch(`${apiUrl}${step.path}`, { method: step.method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (404 pages, empty bodies): compared as text.
    }
    answers.push({ step: `${step.method} ${step.path}`, status: response.status, contentType: response.headers.get('content-type') ?? '', body: parsed });
  }
  return answers;
}

/** Ports differ between runs, and the real server leaks a Go `Logger` field into proxies; neither is behaviour. */
function normalize(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/127\.0\.0\.1:[1-9]\d*/g, '127.0.0.1:PORT');
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'Logger').map(([key, inner]) => [key, normalize(inner)]));
  }
  return value;
}

const transcripts = new Map<ProxyBackendKind, Answer[]>();
const kinds = availableBackendKinds();

describe.each(kinds)('Toxiproxy API conformance: %s backend', (kind) => {
  let backend: ProxyBackend;
  let answers: Answer[];

  beforeAll(async () => {
    backend = await startProxyBackend({ choice: kind, seed: 1 });
    await backend.deleteAllProxies();
    answers = await play(backend.apiUrl);
    transcripts.set(kind, answers);
  });

  afterAll(async () => {
    await backend.deleteAllProxies();
    await backend.stop();
  });

  const answer = (index: number): Answer => {
    const found = answers[index];
    if (found === undefined) throw new Error(`no answer ${index}`);
    return found;
  };

  it('answers every step with the status code of the real server', () => {
    expect(answers.map((entry) => `${entry.step} ${entry.status}`)).toEqual(script.map((step) => `${step.method} ${step.path} ${step.status}`));
  });

  it('gives errors the shape {"error": msg, "status": code} with the real messages', () => {
    expect(answer(2).body).toEqual({ error: 'proxy already exists', status: 409 });
    expect(answer(3).body).toEqual({ error: 'missing required field: name', status: 400 });
    expect(answer(4).body).toEqual({ error: 'missing required field: upstream', status: 400 });
    expect(answer(5).body).toEqual({ error: 'bad request body: EOF', status: 400 });
    expect(answer(9).body).toEqual({ error: 'proxy not found', status: 404 });
    expect(answer(11).body).toEqual({ error: 'toxic already exists', status: 409 });
    expect(answer(12).body).toEqual({ error: 'invalid toxic type', status: 400 });
    expect(answer(13).body).toEqual({ error: 'stream was invalid, can be either upstream or downstream', status: 400 });
    expect(answer(23).body).toEqual({ error: 'toxic not found', status: 404 });
    expect(answer(34).body).toEqual({ error: 'missing required field: name at proxy 1', status: 400, proxies: null });
    // Go's http.Error writes text/plain; only /populate writes its errors as JSON itself.
    for (const entry of answers.filter((candidate) => candidate.status >= 400 && typeof candidate.body === 'object')) {
      expect(entry.contentType).toBe(entry.step === 'POST /populate' ? 'application/json' : 'text/plain; charset=utf-8');
    }
  });

  it('shows a proxy as {name, listen, upstream, enabled, toxics}, with the port that port 0 picked', () => {
    const created = answer(1).body as Record<string, unknown>;
    expect(Object.keys(created).filter((key) => key !== 'Logger').sort()).toEqual(proxyKeys);
    expect(created).toMatchObject({ name: 'one', upstream, enabled: true, toxics: [] });
    expect(created['listen']).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(answer(7).body).toMatchObject({ name: 'off', listen, enabled: false });
    expect(answer(30).body).toMatchObject({ enabled: false, listen: created['listen'] });
    expect(answer(31).body).toMatchObject({ enabled: true, listen: created['listen'] });
  });

  it('shows toxics with every attribute of their type, defaults filled in, upstream ones first', () => {
    expect(answer(10).body).toEqual({ attributes: { latency: 100, jitter: 0 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1 });
    const listed = answer(21).body as { name: string; attributes: Record<string, number>; toxicity: number }[];
    expect(listed.map((toxic) => toxic.name)).toEqual(['cut', 'bandwidth_upstream', 'latency_downstream', 'slow', 'rst', 'slices', 'cap']);
    expect(listed.map((toxic) => Object.keys(toxic.attributes))).toEqual([['timeout'], ['rate'], ['latency', 'jitter'], ['delay'], ['timeout'], ['average_size', 'size_variation', 'delay'], ['bytes']]);
    expect(listed.at(-1)?.toxicity).toBe(0.12345679);
    expect(answer(24).body).toMatchObject({ name: 'cut', toxicity: 0.25, attributes: { timeout: 0 } });
    expect(answer(25).body).toMatchObject({ attributes: { latency: 100, jitter: 5 } });
  });

  it('populates: null for none, and /reset re-enables every proxy and removes every toxic', () => {
    expect(answer(33).body).toEqual({ proxies: null });
    expect(answer(36).body).toMatchObject({ proxies: [{ name: 'three', enabled: false }] });
    const after = answer(38).body as Record<string, { enabled: boolean; toxics: unknown[] }>;
    expect(Object.keys(after)).toEqual(['off', 'one', 'three']);
    for (const proxy of Object.values(after)) expect(proxy).toMatchObject({ enabled: true, toxics: [] });
  });
});

describe.runIf(kinds.includes('binary'))('the embedded server against the real one', () => {
  it('gives the same transcript, ports and the Go Logger field aside', () => {
    const real = transcripts.get('binary');
    const embedded = transcripts.get('embedded');
    expect(real).toBeDefined();
    const comparable = (entries: Answer[] | undefined): unknown => normalize(entries?.filter((entry) => !entry.step.endsWith('/version')));
    expect(comparable(embedded)).toEqual(comparable(real));
  });
});
