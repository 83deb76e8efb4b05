// A session's results as one file (results.json beside the explore index): the spec and every run's
// record. A local explore, a shard, a campaign and a merge all end here, so their summary tables and
// indexes are built by the same function from the same records.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runSeeds } from '../plan/index.js';
import { summarize, writeExploreIndex } from '../report/index.js';
import type { SessionSummary } from '../report/index.js';
import type { CampaignSpec } from './job.js';
import { FleetError } from './errors.js';
import { exploreRunOf, parseRecord } from './record.js';
import type { RunRecord } from './record.js';
import { planOf } from './execute.js';

export const resultsFileName = 'results.json';
export const resultsFormat = 1 as const;

/** Shard I of N (1-based, as CI matrices count) takes the runs whose index is I-1 modulo N. */
export interface Shard {
  index: number;
  count: number;
}

export interface ResultsFile {
  format: typeof resultsFormat;
  campaign: string;
  spec: CampaignSpec;
  /** The runs asked for, 0 to runs-1; a shard holds its part of them. */
  runs: number;
  shard: Shard | null;
  seconds: number;
  /** Ordered by index, packed artifacts left out (they are unpacked beside the index). */
  records: RunRecord[];
}

export interface SessionOutput {
  summary: SessionSummary;
  index: string;
}

/**
 * Writes the explore index and results.json for these records under `root`; `artifactDirOf` says
 * where a record's artifact directory (by name) is now. Returns the summary and the index's path.
 */
export function writeSession(root: string, results: ResultsFile, artifactDirOf: (name: string) => string): SessionOutput {
  const records = [...results.records].sort((a, b) => a.index - b.index).map((record) => ({ ...record, artifacts: record.artifacts !== null && 'packed' in record.artifacts ? null : record.artifacts }));
  const runs = records.map((record) => exploreRunOf(record, planOf(results.spec, runSeeds(results.spec.rootSeed, record.index)), artifactDirOf));
  const index = writeExploreIndex(root, { rootSeed: results.spec.rootSeed, strategy: results.spec.strategy, runs, seconds: results.seconds });
  writeFileSync(join(dirname(index), resultsFileName), `${JSON.stringify({ ...results, records }, null, 1)}\n`);
  return { summary: summarize(runs.map((run) => run.result), results.seconds), index };
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) throw new FleetError('bad-shard', `--shard takes I/N with 1 <= I <= N, got '${text}'`);
  return { index, count };
}

export function shardIndices(runs: number, shard: Shard | null): number[] {
  const all = Array.from({ length: runs }, (_, index) => index);
  return shard === null ? all : all.filter((index) => index % shard.count === shard.index - 1);
}

/** Reads DIR/results.json, where DIR is an explore's directory (or its index.html). */
export function readResultsFile(path: string): ResultsFile {
  const file = path.endsWith('.html') || path.endsWith('.json') ? join(dirname(path), resultsFileName) : join(path, resultsFileName);
  let value: Partial<ResultsFile>;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResultsFile>;
  } catch (error) {
    throw new FleetError('bad-results', `${file} cannot be read as JSON (${(error as NodeJS.ErrnoException).code ?? 'malformed'})`);
  }
  if (value.format !== resultsFormat || typeof value.spec !== 'object' || !Array.isArray(value.records) || typeof value.runs !== 'number') {
    throw new FleetError('bad-results', `${file} is not a faultline results file`);
  }
  for (const record of value.records) {
    const parsed = parseRecord(record);
    if ('problem' in parsed) throw new FleetError('bad-results', `${file}: ${parsed.problem}`);
  }
  return value as ResultsFile;
}

/**
 * One results file out of several shards of the same spec: a run present twice, or shards of
 * different specs, is bad data, since the merge would then not be one explore over their union.
 */
export function mergeResults(files: readonly { file: ResultsFile; directory: string }[]): { merged: ResultsFile; locations: Map<string, string> } {
  const first = files[0];
  if (first === undefined) throw new FleetError('bad-results', 'merge takes at least one directory');
  const seen = new Map<number, string>();
  const locations = new Map<string, string>();
  const records: RunRecord[] = [];
  for (const { file, directory } of files) {
    if (JSON.stringify(file.spec) !== JSON.stringify(first.file.spec)) throw new FleetError('bad-results', `${directory} holds runs of another spec than ${first.directory} (campaign ${file.campaign} vs ${first.file.campaign})`);
    for (const record of file.records) {
      const other = seen.get(record.index);
      if (other !== undefined) throw new FleetError('bad-results', `run ${record.index} is in both ${other} and ${directory}`);
      seen.set(record.index, directory);
      records.push(record);
      // Artifact directories sit beside the explore directory that lists them.
      for (const verdict of [record.run, record.shrunk]) if (verdict?.artifactDir) locations.set(verdict.artifactDir, join(dirname(directory), verdict.artifactDir));
    }
  }
  const runs = Math.max(...files.map(({ file }) => file.runs));
  const seconds = Math.max(...files.map(({ file }) => file.seconds));
  return { merged: { format: resultsFormat, campaign: first.file.campaign, spec: first.file.spec, runs, shard: null, seconds, records: records.sort((a, b) => a.index - b.index) }, locations };
}
