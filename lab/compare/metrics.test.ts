// Unit tests of the per-run measures: op spans, fault intervals, blocked time, throughput buckets, counters.
import { describe, expect, it } from 'vitest';
import type { NemesisEvent } from '../client/index.js';
import { blockedMs, faultIntervals, mergeIntervals, nodeCounters, okDuringPartition, opSpans, runMetrics, throughputBuckets } from './metrics.js';
import { handRun, latencyFault, partitionFault } from './_testing/runs.js';

const ms = 1e6;

function event(type: NemesisEvent['type'], fault: unknown, timeMs: number, index: number): NemesisEvent {
  return { index, type, step: 0, fault, description: String(index), time: timeMs * ms };
}

describe('opSpans', () => {
  it('pairs each invoke with the next completion of the same process and drops orphan completions', () => {
    const spans = opSpans([
      { index: 0, process: 1, type: 'invoke', f: 'query', value: {}, time: 1 * ms },
      { index: 1, process: 2, type: 'invoke', f: 'query', value: {}, time: 2 * ms },
      { index: 2, process: 9, type: 'ok', f: 'query', value: {}, time: 3 * ms },
      { index: 3, process: 2, type: 'info', f: 'query', value: {}, time: 4 * ms },
      { index: 4, process: 1, type: 'ok', f: 'query', value: {}, time: 5 * ms },
    ]);
    expect(spans).toEqual([
      { type: 'info', startMs: 2, endMs: 4 },
      { type: 'ok', startMs: 1, endMs: 5 },
    ]);
  });
});

describe('faultIntervals', () => {
  it('pairs twins first in first out, ignores skips, and lets heal-all close what is open', () => {
    const intervals = faultIntervals(
      [
        event('start', partitionFault, 10, 0),
        event('start', partitionFault, 20, 1),
        event('skip', latencyFault, 25, 2),
        event('stop', partitionFault, 30, 3),
        event('start', latencyFault, 40, 4),
        event('stop', 'heal-all', 90, 5),
      ],
      80,
    );
    expect(intervals.map((item) => [item.kind, item.startMs, item.endMs])).toEqual([
      ['partition', 10, 30],
      ['partition', 20, 90],
      ['toxic', 40, 90],
    ]);
  });

  it('lets a fault never stopped last until the given end', () => {
    expect(faultIntervals([event('start', latencyFault, 5, 0)], 70)).toEqual([{ kind: 'toxic', description: '0', startMs: 5, endMs: 70 }]);
  });
});

describe('mergeIntervals and blockedMs', () => {
  it('merges overlapping intervals and drops empty ones', () => {
    const merged = mergeIntervals([
      { startMs: 200, endMs: 400 },
      { startMs: 100, endMs: 300 },
      { startMs: 500, endMs: 500 },
      { startMs: 450, endMs: 460 },
    ]);
    expect(merged).toEqual([
      { startMs: 100, endMs: 400 },
      { startMs: 450, endMs: 460 },
    ]);
  });

  it('counts the in-flight time of ops that did not complete ok, inside partitions only', () => {
    const faults = [
      { kind: 'partition' as const, description: 'p', startMs: 100, endMs: 300 },
      { kind: 'partition' as const, description: 'p', startMs: 200, endMs: 400 },
      { kind: 'toxic' as const, description: 't', startMs: 0, endMs: 1000 },
    ];
    const spans = [
      { type: 'info' as const, startMs: 50, endMs: 250 },
      { type: 'ok' as const, startMs: 100, endMs: 300 },
      { type: 'fail' as const, startMs: 380, endMs: 500 },
      { type: 'info' as const, startMs: 600, endMs: 900 },
    ];
    expect(blockedMs(spans, faults)).toBe(150 + 20);
  });

  it('counts the ok ops that completed while a partition was in force, and only those', () => {
    const faults = [
      { kind: 'partition' as const, description: 'p', startMs: 100, endMs: 300 },
      { kind: 'toxic' as const, description: 't', startMs: 0, endMs: 1000 },
    ];
    const spans = [
      { type: 'ok' as const, startMs: 50, endMs: 150 },
      { type: 'ok' as const, startMs: 200, endMs: 299 },
      { type: 'fail' as const, startMs: 120, endMs: 200 },
      { type: 'ok' as const, startMs: 250, endMs: 300 },
      { type: 'ok' as const, startMs: 500, endMs: 600 },
    ];
    expect(okDuringPartition(spans, faults)).toBe(2);
  });
});

describe('throughputBuckets', () => {
  it('counts ok completions per 100 ms bucket up to the last completion', () => {
    const spans = [
      { type: 'ok' as const, startMs: 0, endMs: 50 },
      { type: 'ok' as const, startMs: 0, endMs: 150 },
      { type: 'ok' as const, startMs: 0, endMs: 160 },
      { type: 'fail' as const, startMs: 0, endMs: 320 },
    ];
    expect(throughputBuckets(spans)).toEqual([1, 2, 0, 0]);
  });
});

describe('nodeCounters', () => {
  it('sums the counters over branches, reading numbers sent as strings and skipping the missing', () => {
    const total = nodeCounters([
      { branch: 'b1', conflictRetries: 3, lockWaits: '2', lockWaitMs: 10, leaseExpiries: 1 },
      { branch: 'b2', conflictRetries: 4 },
    ]);
    expect(total).toEqual({ conflictRetries: 7, lockWaits: 2, lockWaitMs: 10, leaseExpiries: 1 });
  });
});

describe('runMetrics', () => {
  it('measures throughput over the workload span, latency of ok ops, and blocked time', () => {
    const { result } = handRun({
      index: 0,
      strategy: 'lock',
      ops: [
        { type: 'ok', startMs: 100, endMs: 110 },
        { type: 'ok', startMs: 110, endMs: 130 },
        { type: 'info', startMs: 130, endMs: 600 },
      ],
      faults: [{ fault: partitionFault, startMs: 200, endMs: 400 }],
      nodeStats: [{ lockWaits: 5, lockWaitMs: 40 }],
    });
    const metrics = runMetrics(3, result, 'binary');
    expect(metrics.index).toBe(3);
    expect(metrics.workloadMs).toBeCloseTo(500, 6);
    expect(metrics.opsPerSecond).toBeCloseTo(2 / 0.5, 6);
    expect([metrics.ok, metrics.fail, metrics.info]).toEqual([2, 0, 1]);
    expect(metrics.latencyP50Ms).toBeCloseTo(10, 6);
    expect(metrics.latencyP99Ms).toBeCloseTo(20, 6);
    expect(metrics.partitionMs).toBeCloseTo(200, 6);
    expect(metrics.blockedMs).toBeCloseTo(200, 6);
    expect(metrics.lockWaits).toBe(5);
    expect(metrics.command).toMatch(/^npx faultline run --seed -?\d+ --index \d+ --path 0 --strategy lock .*--proxy binary$/);
  });

  it('gives no latency when nothing completed ok', () => {
    const { result } = handRun({ index: 0, strategy: 'lock-free', ops: [{ type: 'info', startMs: 0, endMs: 600 }] });
    const metrics = runMetrics(0, result);
    expect(metrics.latencyP50Ms).toBeNull();
    expect(metrics.opsPerSecond).toBe(0);
    expect(metrics.command).not.toContain('--proxy');
  });
});
