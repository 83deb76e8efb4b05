// bench/proxy: the cost of one proxy hop, direct vs the embedded server (in this process and in its
// own process) vs the real toxiproxy-server: p50/p99 round-trip latency added, and MB/s one way.
// Run: `npm run bench:proxy` (about a minute). Figures only; no target is asserted.
import { percentile } from '../lab/report/index.js';
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ToxiproxyAdapter } from '../lab/proxy/index.js';
import { findToxiproxyBinary, startToxiproxyBinary } from '../lab/proxy/index.js';
import { EmbeddedToxiproxyServer } from '../lab/proxy/index.js';
import { EchoClient, startEchoServer } from '../lab/proxy/_testing/harness.js';

const warmupRoundTrips = 500;
const roundTrips = 4_000;
const rounds = 3;
const payloadBytes = 64;
const streamBytes = 64 * 1024 * 1024;
const writeBytes = 64 * 1024;
const timeoutMs = 10_000;

interface Target {
  name: string;
  /** The address to dial for the echo server, and for the sink. */
  echo: string;
  sink: string;
  stop(): Promise<void>;
}

interface Figures {
  samples: number[];
  megabytesPerSecond: number[];
}

async function startSink(): Promise<{ address: string; close(): Promise<void> }> {
  const server = createServer((socket) => {
    socket.on('data', () => undefined);
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function proxied(name: string, apiUrl: string, echo: string, sink: string, stop: () => Promise<void>): Promise<Target> {
  const adapter = new ToxiproxyAdapter(apiUrl);
  const echoProxy = await adapter.createProxy({ name: 'bench-echo', listen: '127.0.0.1:0', upstream: echo });
  const sinkProxy = await adapter.createProxy({ name: 'bench-sink', listen: '127.0.0.1:0', upstream: sink });
  return { name, echo: echoProxy.listen, sink: sinkProxy.listen, stop };
}

/** The embedded server in a process of its own, through `faultline toxiproxy`. */
async function startEmbeddedProcess(): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = fileURLToPath(new URL('../bin/faultline.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'toxiproxy', '--port', '0', '--seed', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (data: Buffer) => {
      const found = /listening on (http:\/\/[\d.]+:\d+)/.exec(data.toString('utf8'))?.[1];
      if (found !== undefined) resolve(found);
    });
    child.once('exit', () => reject(new Error('faultline toxiproxy exited before listening')));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function measureLatency(address: string, count: number): Promise<number[]> {
  const client = await EchoClient.connect(address);
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) samples.push(await client.roundTrip(payloadBytes, timeoutMs));
  client.close();
  return samples;
}

/** Writes streamBytes to the sink as fast as the connection takes them; MB/s until the last byte left. */
async function measureThroughput(address: string): Promise<number> {
  const colon = address.lastIndexOf(':');
  const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const block = Buffer.alloc(writeBytes, 1);
  const started = performance.now();
  for (let sent = 0; sent < streamBytes; sent += writeBytes) {
    if (!socket.write(block)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => socket.end(resolve));
  const seconds = (performance.now() - started) / 1000;
  socket.destroy();
  return streamBytes / 1e6 / seconds;
}

/** The value at `share` of the samples, in the lab's one percentile. */
function percentileOf(values: number[], share: number): number {
  return percentile([...values].sort((left, right) => left - right), share);
}

function microseconds(milliseconds: number): string {
  return `${Math.round(milliseconds * 1000)}`.padStart(7);
}

async function main(): Promise<void> {
  const echo = await startEchoServer();
  const sink = await startSink();
  const targets: Target[] = [{ name: 'direct', echo: echo.address, sink: sink.address, stop: async () => {} }];
  const inProcess = await EmbeddedToxiproxyServer.start({ seed: 1 });
  targets.push(await proxied('embedded (in-process)', inProcess.url, echo.address, sink.address, () => inProcess.close()));
  const ownProcess = await startEmbeddedProcess();
  targets.push(await proxied('embedded (own process)', ownProcess.url, echo.address, sink.address, ownProcess.stop));
  const binaryPath = findToxiproxyBinary();
  if (binaryPath !== undefined) {
    const binary = await startToxiproxyBinary(binaryPath);
    targets.push(await proxied('binary (toxiproxy-server)', binary.url, echo.address, sink.address, binary.stop));
  }

  const figures = new Map<string, Figures>(targets.map((target) => [target.name, { samples: [], megabytesPerSecond: [] }]));
  for (const target of targets) await measureLatency(target.echo, warmupRoundTrips);
  // Rounds interleave the targets, so a burst of load from other work on the machine hits them all.
  for (let round = 0; round < rounds; round += 1) {
    for (const target of targets) {
      const entry = figures.get(target.name);
      entry?.samples.push(...(await measureLatency(target.echo, roundTrips / rounds)));
      entry?.megabytesPerSecond.push(await measureThroughput(target.sink));
    }
  }
  report(figures);
  for (const target of targets) await target.stop();
  await echo.close();
  await sink.close();
}

function report(figures: Map<string, Figures>): void {
  const direct = figures.get('direct');
  if (direct === undefined) return;
  const directP50 = percentileOf(direct.samples, 0.5);
  const directP99 = percentileOf(direct.samples, 0.99);
  const added = new Map<string, { p50: number; p99: number }>();
  process.stdout.write(`bench/proxy: ${roundTrips} round trips of ${payloadBytes} B and ${streamBytes / 1e6} MB one way per target; times in µs\n`);
  process.stdout.write('target                       rtt p50  rtt p99  added p50  added p99   MB/s (median)\n');
  for (const [name, entry] of figures) {
    const p50 = percentileOf(entry.samples, 0.5);
    const p99 = percentileOf(entry.samples, 0.99);
    added.set(name, { p50: p50 - directP50, p99: p99 - directP99 });
    const rate = percentileOf(entry.megabytesPerSecond, 0.5);
    process.stdout.write(`${name.padEnd(27)}${microseconds(p50)}  ${microseconds(p99)}    ${microseconds(p50 - directP50)}    ${microseconds(p99 - directP99)}   ${rate.toFixed(0).padStart(6)}\n`);
  }
  process.stdout.write('a hop is one proxy on the path of a round trip (each byte crosses it twice: there and back)\n');
  const binary = added.get('binary (toxiproxy-server)');
  for (const name of ['embedded (in-process)', 'embedded (own process)']) {
    const embedded = added.get(name);
    if (binary === undefined || embedded === undefined) continue;
    process.stdout.write(`${name} / binary, added latency: p50 ${(embedded.p50 / binary.p50).toFixed(2)}x, p99 ${(embedded.p99 / binary.p99).toFixed(2)}x\n`);
  }
}

await main();
