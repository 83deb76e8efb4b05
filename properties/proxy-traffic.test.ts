// Conformance of what toxics do to real traffic, on every available backend: a raw TCP echo and a
// grpc-js health server behind a proxy. Timing checks have wide margins: this machine is shared.
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startProxyBackend } from '../lab/proxy/index.js';
import { availableBackendKinds, EchoClient, HealthClient, startEchoServer, startHealthServer } from '../lab/proxy/_testing/harness.js';
import type { EchoServer, HealthServer } from '../lab/proxy/_testing/harness.js';
import type { ProxyBackend } from '../lab/proxy/index.js';

const waitMs = 3_000;
const deadlineMs = 1_500;
/** Reconnect quickly after a heal, as the lab's channels do. */
const channelOptions = { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 200, 'grpc.enable_retries': 0 };

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** A channel in reconnect backoff fails calls at once, so recovery is polled, within a bound. */
async function codeWhenRecovered(client: HealthClient, boundMs = waitMs): Promise<number> {
  const started = performance.now();
  let code = (await client.check(deadlineMs)).code;
  while (code !== status.OK && performance.now() - started < boundMs) {
    await sleep(25);
    code = (await client.check(deadlineMs)).code;
  }
  return code;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe.each(availableBackendKinds())('Toxiproxy traffic conformance: %s backend', (kind) => {
  let backend: ProxyBackend;
  let echo: EchoServer;
  let health: HealthServer;
  const clients: { close(): void }[] = [];
  let proxies = 0;

  beforeAll(async () => {
    backend = await startProxyBackend({ choice: kind, seed: 11 });
    echo = await startEchoServer();
    health = await startHealthServer();
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await backend.deleteAllProxies();
  });

  afterAll(async () => {
    await backend.stop();
    await echo.close();
    await health.close();
  });

  async function proxyTo(upstream: string): Promise<{ name: string; listen: string }> {
    proxies += 1;
    const name = `conformance-${proxies}`;
    return { name, listen: await backend.createProxy(name, upstream) };
  }

  async function echoClient(listen: string): Promise<EchoClient> {
    const client = await EchoClient.connect(listen);
    clients.push(client);
    return client;
  }

  function healthClient(listen: string): HealthClient {
    const client = new HealthClient(listen, channelOptions);
    clients.push(client);
    return client;
  }

  it('passes bytes both ways unchanged', async () => {
    const { listen } = await proxyTo(echo.address);
    const client = await echoClient(listen);
    const payload = Buffer.from(Array.from({ length: 200_000 }, (_, index) => index % 251));
    client.socket.write(payload);
    await client.until(() => client.received >= payload.length, waitMs);
    expect(client.bytes().equals(payload)).toBe(true);
    expect(await healthClient((await proxyTo(health.address)).listen).check(deadlineMs)).toEqual({ code: status.OK, details: 'OK' });
  });

  it('a latency toxic on more data than the proxy buffers still delivers every byte', async () => {
    const { name, listen } = await proxyTo(echo.address);
    await backend.adapter.addToxic(name, { type: 'latency', attributes: { latency: 30, jitter: 0 } });
    const client = await echoClient(listen);
    const payload = Buffer.alloc(3_000_000, 5);
    client.socket.write(payload);
    await client.until(() => client.received >= payload.length, waitMs * 3);
    expect(client.received).toBe(payload.length);
  });

  it('latency adds the configured delay to a round trip, on connections already open', async () => {
    const { name, listen } = await proxyTo(echo.address);
    const client = await echoClient(listen);
    const before = median([await client.roundTrip(16, waitMs), await client.roundTrip(16, waitMs), await client.roundTrip(16, waitMs)]);
    await backend.adapter.addToxic(name, { type: 'latency', attributes: { latency: 150, jitter: 0 } });
    await backend.adapter.addToxic(name, { type: 'latency', stream: 'upstream', attributes: { latency: 50, jitter: 0 } });
    const after = median([await client.roundTrip(16, waitMs), await client.roundTrip(16, waitMs), await client.roundTrip(16, waitMs)]);
    // The toxics' 200 ms are a floor under every round trip; subtracting the round trip before them
    // would let its noise (a slow first trip on a busy machine) eat into that floor.
    expect(after).toBeGreaterThanOrEqual(195);
    expect(after - before).toBeLessThan(1_000);
  });

  it('updating a toxic changes open connections; removing it lets held data through at once', async () => {
    const { name, listen } = await proxyTo(echo.address);
    await backend.adapter.addToxic(name, { name: 'slow', type: 'latency', attributes: { latency: 0, jitter: 0 } });
    const client = await echoClient(listen);
    await client.roundTrip(16, waitMs);
    await backend.adapter.updateToxic(name, 'slow', { attributes: { latency: 150 } });
    expect(await client.roundTrip(16, waitMs)).toBeGreaterThanOrEqual(140);
    await backend.adapter.updateToxic(name, 'slow', { attributes: { latency: 10_000 } });
    const held = client.roundTrip(16, waitMs);
    await sleep(100);
    await backend.adapter.removeToxic(name, 'slow');
    // Far from the 10 s the toxic would have held it.
    expect(await held).toBeLessThan(2_000);
  });

  it('latency with jitter stays within latency ± jitter', async () => {
    const { name, listen } = await proxyTo(echo.address);
    await backend.adapter.addToxic(name, { type: 'latency', attributes: { latency: 100, jitter: 50 } });
    const client = await echoClient(listen);
    const trips: number[] = [];
    for (let index = 0; index < 8; index += 1) trips.push(await client.roundTrip(16, waitMs));
    expect(Math.min(...trips)).toBeGreaterThanOrEqual(45);
    // 150 ms at most from the toxic; the rest is room for a loaded machine.
    expect(Math.max(...trips)).toBeLessThan(1_000);
  });

  it('a proxy whose upstream refuses closes each client connection; grpc-js calls fail UNAVAILABLE', async () => {
    const gone = await startEchoServer();
    await gone.close();
    const { listen } = await proxyTo(gone.address);
    const client = await echoClient(listen);
    expect(await client.ended(waitMs)).toBe('end');
    expect((await healthClient(listen).check(deadlineMs)).code).toBe(status.UNAVAILABLE);
  });

  it('deleting a proxy closes its connections and its listener', async () => {
    const { name, listen } = await proxyTo(echo.address);
    const client = await echoClient(listen);
    await client.roundTrip(8, waitMs);
    await backend.adapter.deleteProxy(name);
    expect(await client.ended(waitMs)).toBe('end');
    await expect(EchoClient.connect(listen)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a disabled proxy makes a grpc-js call fail UNAVAILABLE, and enabling it brings calls back', async () => {
    const { name, listen } = await proxyTo(health.address);
    const client = healthClient(listen);
    expect((await client.check(deadlineMs)).code).toBe(status.OK);
    await backend.adapter.setEnabled(name, false);
    expect((await client.check(deadlineMs)).code).toBe(status.UNAVAILABLE);
    await backend.adapter.setEnabled(name, true);
    expect(await codeWhenRecovered(client)).toBe(status.OK);
  });

  it('reset_peer makes a grpc-js call fail UNAVAILABLE, and its connections end with ECONNRESET', async () => {
    const { name, listen } = await proxyTo(health.address);
    await backend.adapter.addToxic(name, { type: 'reset_peer', attributes: { timeout: 0 } });
    // grpc-js words the error "read ECONNRESET" or "Failed to connect" by a race, with the real server too.
    expect((await healthClient(listen).check(deadlineMs)).code).toBe(status.UNAVAILABLE);
    const raw = await echoClient(listen);
    expect(await raw.ended(waitMs)).toBe('reset');
    expect(raw.errorCode).toBe('ECONNRESET');
  });

  it('reset_peer added to an open connection closes it with FIN, not RST (the real server sets linger 0 only at accept)', async () => {
    const { name, listen } = await proxyTo(echo.address);
    const client = await echoClient(listen);
    await client.roundTrip(8, waitMs);
    await backend.adapter.addToxic(name, { type: 'reset_peer', attributes: { timeout: 0 } });
    client.socket.write('more');
    expect(await client.ended(waitMs)).toBe('end');
  });

  it('timeout 0 makes a call with a deadline fail DEADLINE_EXCEEDED; removing it closes the connection', async () => {
    const { name, listen } = await proxyTo(echo.address);
    const raw = await echoClient(listen);
    await backend.adapter.addToxic(name, { type: 'timeout', attributes: { timeout: 0 } });
    raw.socket.write('swallowed');
    const blackhole = await proxyTo(health.address);
    await backend.adapter.addToxic(blackhole.name, { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    expect((await healthClient(blackhole.listen).check(500)).code).toBe(status.DEADLINE_EXCEEDED);
    expect(raw.received).toBe(0);
    await backend.adapter.removeToxic(name, 'timeout_downstream');
    expect(await raw.ended(waitMs)).toBe('end');
  });

  it('timeout with a time closes the connection after that long without data', async () => {
    const { name, listen } = await proxyTo(echo.address);
    await backend.adapter.addToxic(name, { type: 'timeout', attributes: { timeout: 200 } });
    const client = await echoClient(listen);
    const started = performance.now();
    client.socket.write('x');
    expect(await client.ended(waitMs)).toBe('end');
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('limit_data passes N bytes and then closes', async () => {
    const { name, listen } = await proxyTo(echo.address);
    await backend.adapter.addToxic(name, { type: 'limit_data', attributes: { bytes: 1_000 } });
    const client = await echoClient(listen);
    client.socket.write(Buffer.alloc(4_000, 1));
    expect(await client.ended(waitMs)).toBe('end');
    expect(client.received).toBe(1_000);
  });

  it('slow_close holds the close for its delay', async () => {
    const { name, listen } = await proxyTo(echo.address);
    await backend.adapter.addToxic(name, { type: 'slow_close', attributes: { delay: 300 } });
    const client = await echoClient(listen);
    await client.roundTrip(8, waitMs);
    const started = performance.now();
    client.socket.end();
    expect(await client.ended(waitMs)).toBe('end');
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('slicer and bandwidth change timing, never bytes', async () => {
    const { name, listen } = await proxyTo(echo.address);
    await backend.adapter.addToxic(name, { type: 'slicer', attributes: { average_size: 64, size_variation: 16, delay: 10 } });
    await backend.adapter.addToxic(name, { type: 'bandwidth', stream: 'upstream', attributes: { rate: 200 } });
    const client = await echoClient(listen);
    const payload = Buffer.from(Array.from({ length: 40_000 }, (_, index) => index % 253));
    const started = performance.now();
    client.socket.write(payload);
    await client.until(() => client.received >= payload.length, waitMs * 2);
    // 40 KB at 200 KB/s is 200 ms at least.
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(client.bytes().equals(payload)).toBe(true);
  });

  it('toxicity 0 never applies a toxic', async () => {
    const { name, listen } = await proxyTo(echo.address);
    await backend.adapter.addToxic(name, { type: 'timeout', toxicity: 0, attributes: { timeout: 0 } });
    const client = await echoClient(listen);
    expect(await client.roundTrip(32, waitMs)).toBeLessThan(waitMs);
  });

  it('/reset restores traffic: proxies enabled, toxics gone', async () => {
    const cut = await proxyTo(health.address);
    const blackhole = await proxyTo(health.address);
    await backend.adapter.setEnabled(cut.name, false);
    await backend.adapter.addToxic(blackhole.name, { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    const cutClient = healthClient(cut.listen);
    const blackholeClient = healthClient(blackhole.listen);
    expect((await cutClient.check(500)).code).toBe(status.UNAVAILABLE);
    expect((await blackholeClient.check(500)).code).toBe(status.DEADLINE_EXCEEDED);
    await backend.reset();
    expect(await codeWhenRecovered(cutClient)).toBe(status.OK);
    expect(await codeWhenRecovered(blackholeClient)).toBe(status.OK);
    for (const proxy of await backend.adapter.listProxies()) expect(proxy).toMatchObject({ enabled: true, toxics: [] });
  });
});
