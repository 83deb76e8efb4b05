// Artifacts are never overwritten: the same run written twice leaves two directories, and latest names
// the second; what is written reads back, seeds included.
import { mkdtempSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { handRun } from '../compare/_testing/runs.js';
import { latestLinkName, readRecordedRun, writeArtifacts } from './artifacts.js';

const root = mkdtempSync(join(tmpdir(), 'faultline-artifacts-'));

describe('artifacts', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('gives two runs of the same seed two directories, and latest names the second', () => {
    const { result } = handRun({ index: 2, strategy: 'lock', ops: [{ startMs: 0, endMs: 5, type: 'ok' }] });
    const first = writeArtifacts(root, result);
    const second = writeArtifacts(root, result);
    expect(first).not.toBe(second);
    expect(basename(second).startsWith(basename(first))).toBe(true);
    expect(readdirSync(root).sort()).toEqual([basename(first), basename(second), latestLinkName].sort());
    expect(readlinkSync(join(root, latestLinkName))).toBe(basename(second));
    const recorded = readRecordedRun(second);
    expect(recorded.seeds).toEqual(result.seeds);
    expect(recorded.seedsRecorded).toBe(true);
    expect(recorded.strategy).toBe('lock');
  });
});
