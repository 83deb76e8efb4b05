// Unit tests of the comparison document: summaries, the verdict grid, paired differences, latency CDFs.
import { describe, expect, it } from 'vitest';
import { cdfPointsMax, compareDocument, latencyCdf, pairedMetrics } from './document.js';
import type { CompareSettings } from './document.js';
import { handConstraints, handSession } from './_testing/runs.js';

const seeds = 8;
const settings: CompareSettings = { root: 1, strategies: ['lock', 'lock-free', 'unsafe'], seeds, constraints: handConstraints, proxy: 'embedded' };

describe('compareDocument', () => {
  const document = compareDocument(settings, handSession(seeds), 12.5);

  it('summarizes verdicts, violations by kind, availability and the node counters per strategy', () => {
    const [lock, lockFree, unsafe] = document.summaries;
    expect(unsafe?.verdicts).toEqual({ ok: 4, illegal: 4, unknown: 0 });
    expect(unsafe?.violations).toEqual({ linearizability: 4, conservation: 4 });
    expect(lock?.verdicts).toEqual({ ok: seeds, illegal: 0, unknown: 0 });
    expect([lock?.ok, lock?.fail, lock?.info]).toEqual([20 * seeds, 0, seeds]);
    expect([lockFree?.ok, lockFree?.fail, lockFree?.info]).toEqual([20 * seeds, seeds, 0]);
    expect(lock?.lockWaits).toBe([...Array(seeds).keys()].reduce((total, index) => total + 4 + index, 0));
    expect(lockFree?.conflictRetries).toBe([...Array(seeds).keys()].reduce((total, index) => total + 6 + index, 0));
    expect(lock?.blockedMs).toBeCloseTo(200 * seeds, 6);
    expect(lockFree?.blockedMs).toBeCloseTo(10 * seeds, 6);
  });

  it('lays out one grid row per seed, cells in the order of the strategies, with the same plan', () => {
    expect(document.grid.map((row) => row.index)).toEqual([...Array(seeds).keys()]);
    for (const row of document.grid) {
      expect(row.cells.map((cell) => cell.strategy)).toEqual(settings.strategies);
      const hashes = new Set(document.runs.filter((run) => run.index === row.index).map((run) => run.planHash));
      expect([...hashes]).toEqual([row.planHash]);
    }
    expect(document.grid[1]?.cells[2]).toMatchObject({ verdict: 'illegal', violations: ['linearizability', 'conservation'] });
  });

  it('compares every pair on every metric and names the faster strategy on throughput', () => {
    expect(document.differences).toHaveLength(3 * pairedMetrics.length);
    const pairOf = (metric: string) => document.differences.find((item) => `${item.first} vs ${item.second}: ${item.metric}` === `lock vs lock-free: ${metric}`);
    const throughput = pairOf('opsPerSecond');
    expect(throughput?.low).toBeGreaterThan(0);
    expect(throughput?.call).toBe('lock-free better');
    const blocked = pairOf('blockedMs');
    expect(blocked?.call).toBe('lock-free better');
  });

  it('is the same value when built twice from the same runs (the bootstrap is seeded)', () => {
    expect(compareDocument(settings, handSession(seeds), 12.5)).toEqual(document);
  });

  it('keeps a throughput timeline and the fault intervals of every run', () => {
    expect(document.timelines).toHaveLength(3 * seeds);
    const timeline = document.timelines[0];
    expect(timeline?.faults.map((fault) => fault.kind)).toEqual(['partition', 'toxic']);
    expect(timeline?.okPerBucket.reduce((total, count) => total + count, 0)).toBe(20);
  });
});

describe('latencyCdf', () => {
  it('rises to 1 through at most cdfPointsMax distinct, increasing latencies', () => {
    const latencies = Array.from({ length: 5000 }, (_, index) => ((index * 7919) % 1000) * 1e5);
    const points = latencyCdf(latencies);
    expect(points.length).toBeLessThanOrEqual(cdfPointsMax);
    expect(points[points.length - 1]?.[1]).toBe(1);
    for (let index = 1; index < points.length; index += 1) {
      expect(points[index]?.[0]).toBeGreaterThan(points[index - 1]?.[0] as number);
      expect(points[index]?.[1]).toBeGreaterThan(points[index - 1]?.[1] as number);
    }
  });

  it('is empty without latencies', () => {
    expect(latencyCdf([])).toEqual([]);
  });
});

describe('the consistency table', () => {
  it('counts runs per rung and the worst staleness, per strategy', async () => {
    const { handRun, handConstraints } = await import('./_testing/runs.js');
    const { consistencyRows } = await import('./table.js');
    const staleness = (staleReads: number, p99: number) => ({ reads: 10, staleReads, versionsBehind: { p50: 0, p99, max: p99 }, msBehind: { p50: 0, p99: p99 * 10, max: p99 * 20 } });
    const withConsistency = (index: number, rung: 'linearizable' | 'session' | 'eventual', stale: number) => {
      const run = handRun({ index, strategy: 'unsafe', ops: [] });
      const sessionBroken = rung === 'eventual' ? { 'monotonic-reads': 2 } : {};
      return { ...run, result: { ...run.result, consistency: { rung, sessionHeld: [], sessionBroken, staleness: staleness(stale, stale) } } };
    };
    const runs = [withConsistency(0, 'linearizable', 0), withConsistency(1, 'eventual', 3), withConsistency(2, 'eventual', 1)];
    const summary = compareDocument({ root: 1, strategies: ['unsafe'], seeds: 3, constraints: handConstraints, proxy: 'embedded' }, runs, 1).summaries[0];
    expect(summary?.consistency).toMatchObject({ rungs: { linearizable: 1, sequential: 0, session: 0, eventual: 2, none: 0 }, sessionBroken: { 'monotonic-reads': 2 }, staleReads: 4, reads: 30, versionsBehindP99: 3 });
    expect(consistencyRows(summary === undefined ? [] : [summary])[1]).toEqual(['unsafe', '1', '0', '0', '2', '0', 'monotonic-reads 2', '4 of 30', '3', '30.0', '60.0']);
  });
});
