// The toxic pipes on one stage, without sockets: what comes out, when, and what an interrupt does.
// The receiver here only collects; the conformance suite checks the same toxics on real traffic.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { DecisionLog, ToxicRandom } from './decisions.js';
import { shortestFloat32 } from './decode.js';
import { pipeOf } from './pipes.js';
import { Stage } from './stage.js';
import type { Chunk, ChunkReceiver } from './stage.js';
import type { Toxic, ToxicType } from './toxic.js';

class Collector implements ChunkReceiver {
  readonly chunks: { bytes: number; at: number }[] = [];
  ended = false;

  push(chunk: Chunk | null): void {
    if (chunk === null) this.ended = true;
    else this.chunks.push({ bytes: chunk.data.length, at: performance.now() });
  }

  get total(): number {
    return this.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
  }
}

function stageOf(type: ToxicType, attributes: Record<string, number>, seed = 'seed-1'): { stage: Stage; out: Collector; dropped: () => number } {
  const toxic: Toxic = { name: type, type, stream: 'downstream', direction: 'downstream', toxicity: 1, attributes, generation: 1 };
  const out = new Collector();
  let dropped = 0;
  const random = new ToxicRandom(seed, { proxy: 'p', toxic: type, generation: 1, connection: 1 }, new DecisionLog());
  const stage = new Stage(toxic, out, random, { dropped: (bytes) => (dropped += bytes) }, pipeOf);
  stage.start();
  return { stage, out, dropped: () => dropped };
}

function chunk(bytes: number): Chunk {
  return { data: Buffer.alloc(bytes, 1), timestamp: performance.now() };
}

const sleep = (milliseconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe('toxic pipes', () => {
  it('latency holds each chunk for its delay from arrival, and an interrupt lets it go at once', async () => {
    const { stage, out } = stageOf('latency', { latency: 80, jitter: 0 });
    const sent = performance.now();
    stage.push(chunk(10));
    stage.push(chunk(10));
    await sleep(40);
    expect(out.total).toBe(0);
    await sleep(80);
    expect(out.chunks.map((entry) => entry.at - sent).every((elapsed) => elapsed >= 75)).toBe(true);
    stage.toxic.attributes['latency'] = 10_000;
    stage.push(chunk(5));
    await sleep(10);
    expect(await stage.interrupt()).toBe(true);
    expect(out.total).toBe(25);
    stage.dispose();
  });

  it('limit_data passes N bytes, drops the rest, closes, and remembers its count across a restart', async () => {
    const { stage, out, dropped } = stageOf('limit_data', { bytes: 100 });
    stage.push(chunk(60));
    await sleep(5);
    await stage.interrupt();
    stage.start();
    stage.push(chunk(60));
    await sleep(5);
    expect(out.total).toBe(100);
    expect(dropped()).toBe(20);
    expect(out.ended).toBe(true);
  });

  it('timeout swallows data and closes after that long without any', async () => {
    const { stage, out, dropped } = stageOf('timeout', { timeout: 60 });
    stage.push(chunk(7));
    await sleep(30);
    stage.push(chunk(7));
    await sleep(40);
    expect(out.ended).toBe(false);
    await sleep(60);
    expect(out.ended).toBe(true);
    expect(out.total).toBe(0);
    expect(dropped()).toBe(14);
  });

  it('slicer keeps every byte, in pieces within the size range, the same pieces for the same seed', async () => {
    const sizes = async (seed: string): Promise<number[]> => {
      const { stage, out } = stageOf('slicer', { average_size: 100, size_variation: 30, delay: 0 }, seed);
      stage.push(chunk(5_000));
      await sleep(50);
      stage.dispose();
      return out.chunks.map((entry) => entry.bytes);
    };
    const first = await sizes('a');
    expect(first.reduce((sum, size) => sum + size, 0)).toBe(5_000);
    expect(Math.max(...first)).toBeLessThanOrEqual(130);
    expect(await sizes('a')).toEqual(first);
    expect(await sizes('b')).not.toEqual(first);
  });

  it('slicer never makes an empty piece, where the real server would loop or panic', async () => {
    const { stage, out } = stageOf('slicer', { average_size: 0, size_variation: 0, delay: 0 });
    stage.push(chunk(9));
    await sleep(20);
    stage.dispose();
    expect(out.chunks.map((entry) => entry.bytes)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('bandwidth paces bytes at its rate in KB/s', async () => {
    const { stage, out } = stageOf('bandwidth', { rate: 100 });
    const started = performance.now();
    stage.push(chunk(15_000));
    await sleep(120);
    expect(out.total).toBeLessThan(15_000);
    await sleep(200);
    expect(out.total).toBe(15_000);
    expect((out.chunks.at(-1)?.at ?? 0) - started).toBeGreaterThanOrEqual(140);
    stage.dispose();
  });
});

describe('float32 toxicity', () => {
  it('keeps the shortest decimal that reads back as the same float32, as Go prints it', () => {
    expect(shortestFloat32(0.3)).toBe(0.3);
    expect(shortestFloat32(0.123456789)).toBe(0.12345679);
    expect(shortestFloat32(1)).toBe(1);
  });
});
