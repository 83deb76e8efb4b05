// Reads a whole run back from its artifact directory, as the RunResult the report and the story take,
// for `faultline report <artifact-dir>`. A missing or truncated history is an ArtifactError (exit 65).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isHistoryError, parseHistory } from '../../models/index.js';
import type { History } from '../../models/index.js';
import type { NemesisEvent } from '../client/index.js';
import { ArtifactError, finalStatesFileName, readRecordedRun } from './artifacts.js';
import type { FinalStatesFile } from './artifacts.js';
import { messagesFileName, parseMessages } from './html/messages.js';
import type { RecordedMessage } from './html/messages.js';
import type { RunResult } from './outcome.js';

function readText(directory: string, name: string): string | undefined {
  try {
    return readFileSync(join(directory, name), 'utf8');
  } catch {
    return undefined;
  }
}

function jsonOrThrow(directory: string, name: string): unknown {
  const text = readText(directory, name);
  if (text === undefined) throw new ArtifactError(`${join(directory, name)} does not exist or cannot be read`);
  try {
    return JSON.parse(text);
  } catch {
    throw new ArtifactError(`${join(directory, name)} is not valid JSON`);
  }
}

/** The history, refused when it is absent, malformed, cut mid-line or shorter than the run recorded. */
function readHistory(directory: string, opsRecorded: number): History {
  const path = join(directory, 'history.jsonl');
  const text = readText(directory, 'history.jsonl');
  if (text === undefined) throw new ArtifactError(`${path} does not exist: this directory holds no run's history`);
  if (text.length > 0 && !text.endsWith('\n')) throw new ArtifactError(`${path} is truncated: its last line is cut off`);
  let history: History;
  try {
    history = parseHistory(text, 'jsonl');
  } catch (error) {
    if (isHistoryError(error)) throw new ArtifactError(`${path}: ${error.message}`);
    throw error;
  }
  const completions = history.filter((event) => event.type !== 'invoke').length;
  if (completions < opsRecorded) throw new ArtifactError(`${path} is truncated: it holds ${completions} completed ops, the run recorded ${opsRecorded}`);
  return history;
}

function readMessages(directory: string): RecordedMessage[] | undefined {
  const text = readText(directory, messagesFileName);
  if (text === undefined) return undefined;
  const messages = parseMessages(text);
  if ('problem' in messages) throw new ArtifactError(`${join(directory, messagesFileName)}: ${messages.problem}`);
  return messages;
}

/** Each ok op's latency, as the runner records them: from its invoke to its completion. */
function okLatenciesNs(history: History): number[] {
  const invoked = new Map<number, number>();
  const latencies: number[] = [];
  for (const event of history) {
    if (event.type === 'invoke') invoked.set(event.process, event.time);
    else if (event.type === 'ok') latencies.push(event.time - (invoked.get(event.process) ?? event.time));
  }
  return latencies;
}

function readNemesis(directory: string): NemesisEvent[] {
  const lines = (readText(directory, 'nemesis.jsonl') ?? '').split('\n').filter((line) => line.trim() !== '');
  try {
    return lines.map((line) => JSON.parse(line) as NemesisEvent);
  } catch {
    throw new ArtifactError(`${join(directory, 'nemesis.jsonl')} is not JSON lines`);
  }
}

/** Every artifact of a run read back; throws ArtifactError naming the first file that is missing or malformed. */
export function readRunResult(directory: string): RunResult {
  const recorded = readRecordedRun(directory);
  const verdict = jsonOrThrow(directory, 'verdict.json') as Pick<RunResult, 'runId' | 'claims' | 'verdict' | 'checks' | 'stats' | 'randomness'>;
  if (typeof verdict.stats?.ops !== 'number' || !Array.isArray(verdict.checks)) throw new ArtifactError(`${join(directory, 'verdict.json')} is not a faultline verdict`);
  const history = readHistory(directory, verdict.stats.ops);
  const nemesis = readNemesis(directory);
  const finalStates = readText(directory, finalStatesFileName) === undefined ? [] : (jsonOrThrow(directory, finalStatesFileName) as FinalStatesFile).states;
  const messages = readMessages(directory);
  const latenciesNs = okLatenciesNs(history);
  return {
    runId: verdict.runId, seeds: recorded.seeds, plan: recorded.plan, strategy: recorded.strategy, bug: recorded.bug, claims: verdict.claims,
    verdict: verdict.verdict, violations: recorded.violations, checks: verdict.checks, history, nemesis, finalStates, nodeStats: [],
    stats: verdict.stats, randomness: verdict.randomness, latenciesNs, artifactDir: directory, ...(messages === undefined ? {} : { messages }),
  };
}
