// The fleet's formats without a queue: the job's checks, the campaign id, packing, shards and merge.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPlanConstraints } from '../plan/index.js';
import { defaultShrinkLimits } from '../run/index.js';
import { campaignIdOf, jobFormat, jobIdOf, mergeResults, packDirectories, parseRunJob, parseShard, recordFormat, resultsFormat, shardIndices, unpackDirectories } from './index.js';
import type { CampaignSpec, ResultsFile, RunRecord } from './index.js';
import { runSeeds } from '../plan/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'faultline-fleet-formats-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const spec: CampaignSpec = {
  system: 'bank', mode: 'real', rootSeed: 7, strategy: 'lock-free', bug: null, constraints: defaultPlanConstraints,
  limits: {}, shrink: true, shrinkLimits: defaultShrinkLimits, keepPassing: false, proxy: 'embedded', reuse: true,
};

function record(index: number): RunRecord {
  const stats = { ops: 3, ok: 3, fail: 0, info: 0, faultsApplied: 0, latencyP50Ms: 1, latencyP90Ms: 1, latencyP99Ms: 1, durationMs: 10, quiesced: true, truncated: false, phasesMs: { acquire: 0, workload: 0, quiesce: 0, check: 0 } };
  return {
    format: recordFormat, campaign: campaignIdOf(spec), index, seeds: runSeeds(7, index), mode: 'real', strategy: 'lock-free', bug: null,
    run: { runId: `s7-k${index}-p0-lock-free`, verdict: 'ok', violations: [], stats, latenciesNs: [1e6], artifactDir: null }, shrunk: null, worker: 'local', artifacts: null,
  };
}

function results(indices: number[], shard: ResultsFile['shard']): ResultsFile {
  return { format: resultsFormat, campaign: campaignIdOf(spec), spec, runs: 4, shard, seconds: 1, records: indices.map(record) };
}

describe('the fleet formats', () => {
  it('checks a job and names what is wrong with a bad one', () => {
    const job = { format: jobFormat, campaign: campaignIdOf(spec), index: 3, spec };
    expect(parseRunJob(job)).toEqual(job);
    expect(parseRunJob({ ...job, spec: { ...spec, system: 'etcd' } })).toEqual({ problem: "system 'etcd' is not one this worker knows (bank)" });
    expect(parseRunJob({ ...job, spec: { ...spec, strategy: 'paxos' } })).toMatchObject({ problem: expect.stringMatching(/strategy 'paxos'/) });
    expect(parseRunJob({ ...job, format: 2 })).toMatchObject({ problem: expect.stringMatching(/format 2/) });
    expect(jobIdOf('c1', 3)).toBe('c1-k3');
  });

  it('gives a campaign an id from its spec: the same spec joins, another does not', () => {
    expect(campaignIdOf(spec)).toBe(campaignIdOf({ ...spec }));
    expect(campaignIdOf({ ...spec, shrink: false })).not.toBe(campaignIdOf(spec));
    expect(campaignIdOf(spec)).toMatch(/^s7-lock-free-[0-9a-f]{10}$/);
  });

  it('packs artifact directories and unpacks them beside existing ones, refusing names that leave the root', () => {
    const source = join(scratch, 'source', 's7-k0-p0-unsafe');
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, 'plan.json'), '{"x":1}\n');
    const root = join(scratch, 'root');
    mkdirSync(join(root, 's7-k0-p0-unsafe'), { recursive: true });
    const placed = unpackDirectories(packDirectories([source]), root);
    expect(placed.get('s7-k0-p0-unsafe')).toBe(join(root, 's7-k0-p0-unsafe-2'));
    expect(readFileSync(join(root, 's7-k0-p0-unsafe-2', 'plan.json'), 'utf8')).toBe('{"x":1}\n');
    const evil = Buffer.from(JSON.stringify({ directories: { '..': { 'x.txt': '' } } }));
    expect(() => unpackDirectories(gzipSync(evil).toString('base64'), root)).toThrow(/name a directory/);
  });

  it('splits the seeds into shards that cover each index once, and merges them back', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(() => parseShard('0/3')).toThrow(/I\/N/);
    expect(() => parseShard('4/3')).toThrow(/I\/N/);
    const parts = [1, 2, 3].map((index) => shardIndices(10, { index, count: 3 }));
    expect(parts.flat().sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    const { merged } = mergeResults([{ file: results([0, 2], { index: 1, count: 2 }), directory: 'a' }, { file: results([1, 3], { index: 2, count: 2 }), directory: 'b' }]);
    expect(merged.records.map((each) => each.index)).toEqual([0, 1, 2, 3]);
    expect(() => mergeResults([{ file: results([0, 1], null), directory: 'a' }, { file: results([1], null), directory: 'b' }])).toThrow(/run 1 is in both a and b/);
    const other = { ...results([2], null), spec: { ...spec, rootSeed: 8 } };
    expect(() => mergeResults([{ file: results([0], null), directory: 'a' }, { file: other, directory: 'b' }])).toThrow(/another spec/);
  });
});
