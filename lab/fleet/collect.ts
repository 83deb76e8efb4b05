// The end of a campaign, wherever it is read from (the explore that started it, or `campaign
// results` later): failures' artifacts unpacked under the artifacts root, the index and summary written,
// and one line for every run whose result did not come back whole.
import { basename, join } from 'node:path';
import type { CampaignMeta } from './queue.js';
import type { CampaignState } from './campaign.js';
import { unpackDirectories } from './pack.js';
import type { RunRecord, RunVerdict } from './record.js';
import { resultsFormat, writeSession } from './results.js';
import type { SessionOutput } from './results.js';

export interface CampaignOutput extends SessionOutput {
  /** One line per run that failed on the workers or whose artifacts stayed on a worker. */
  problems: string[];
  /** Runs whose job was refused as bad data (a mode, system or strategy the workers do not know). */
  badJobs: number;
}

function renamed(verdict: RunVerdict | null, placed: Map<string, string>): RunVerdict | null {
  if (verdict?.artifactDir === null || verdict === null) return verdict;
  const directory = placed.get(verdict.artifactDir);
  return directory === undefined ? verdict : { ...verdict, artifactDir: basename(directory) };
}

function unpacked(record: RunRecord, root: string): RunRecord {
  if (record.artifacts === null || !('packed' in record.artifacts)) return record;
  const placed = unpackDirectories(record.artifacts.packed, root);
  return { ...record, run: renamed(record.run, placed) as RunVerdict, shrunk: renamed(record.shrunk, placed), artifacts: null };
}

export function finishCampaign(root: string, meta: CampaignMeta, state: CampaignState, seconds: number): CampaignOutput {
  const records = [...state.records.values()].sort((a, b) => a.index - b.index).map((record) => unpacked(record, root));
  const problems: string[] = [];
  for (const record of records) {
    if (record.artifacts !== null && 'leftAt' in record.artifacts) problems.push(`run ${record.index}: its artifacts (${record.artifacts.bytes} bytes packed) were too large for the queue and are at ${record.artifacts.leftAt}`);
  }
  const failed = [...state.failed.values()].sort((a, b) => a.index - b.index);
  for (const run of failed) problems.push(`run ${run.index} has no result: ${run.reason}`);
  const output = writeSession(root, { format: resultsFormat, campaign: meta.id, spec: meta.spec, runs: meta.runs, shard: null, seconds, records }, (name) => join(root, name));
  return { ...output, problems, badJobs: failed.filter((run) => run.reason.startsWith('bad job')).length };
}
