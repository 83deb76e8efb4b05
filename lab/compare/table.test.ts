// Unit tests of the terminal report: every section is there and the numbers are the document's.
import { describe, expect, it } from 'vitest';
import { compareDocument } from './document.js';
import { compareReport, differenceRows, formatNumber, performanceRows, tradeOffLine, verdictGridRows } from './table.js';
import { handConstraints, handSession } from './_testing/runs.js';

const document = compareDocument({ root: 1, strategies: ['lock', 'lock-free', 'unsafe'], seeds: 6, constraints: handConstraints, proxy: 'embedded' }, handSession(6), 3);

describe('compareReport', () => {
  const report = compareReport(document);

  it('prints verdicts, performance, trade-off, differences and the grid', () => {
    for (const heading of ['verdicts', 'performance', 'trade-off', 'paired differences', 'verdict grid']) expect(report).toContain(`\n${heading}`);
    expect(report).toMatch(/unsafe\s+6\s+3\s+3\s+0\s+linearizability 3, conservation 3/);
    expect(report).toContain('ILLEGAL (linearizability, conservation)');
  });

  it('puts one row per strategy in the performance table, with the counters', () => {
    const rows = performanceRows(document.summaries);
    expect(rows.map((row) => row[0])).toEqual(['strategy', 'lock', 'lock-free', 'unsafe']);
    const lock = rows[1] ?? [];
    expect(lock[1]).toBe('120');
    expect(lock[9]).toBe(String(document.summaries[0]?.lockWaits));
  });

  it('writes intervals with signs and the call', () => {
    const rows = differenceRows(document.differences);
    const throughput = rows.find((row) => row[0] === 'lock-free - lock' && row[1] === 'throughput (ops/s)');
    expect(throughput?.[4]).toMatch(/^\[\+\d+\.\d\d, \+\d+\.\d\d\]$/);
    expect(throughput?.[5]).toBe('lock-free better');
  });

  it('shows each strategy’s price per run', () => {
    const line = tradeOffLine(document.summaries[1]!);
    expect(line).toMatch(/^lock-free: 8\.5 conflict retries\/run, 0\.0 lock waits\/run/);
  });

  it('lays the grid out by seed', () => {
    const grid = verdictGridRows(document);
    expect(grid).toHaveLength(7);
    expect(grid[2]?.slice(1)).toEqual(['ok', 'ok', 'ILLEGAL (linearizability, conservation)']);
  });

  it('prints a dash for a missing number', () => {
    expect(formatNumber(null)).toBe('-');
    expect(formatNumber(Number.NaN)).toBe('-');
    expect(formatNumber(2.345, 2)).toBe('2.35');
  });
});

describe('differenceRows below the minimum of seeds', () => {
  it('prints no interval, and calls no difference', () => {
    const small = compareDocument({ root: 1, strategies: ['lock', 'lock-free'], seeds: 2, constraints: handConstraints, proxy: 'embedded' }, handSession(2).filter((run) => run.result.strategy !== 'unsafe'), 1);
    const rows = differenceRows(small.differences).slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect([row[4], row[5]]).toEqual(['-', 'no difference (too few seeds)']);
  });
});
