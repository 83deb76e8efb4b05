// The linearizability checker: splits a history by the model's partition (P-compositionality),
// lets the partitions' searches take turns within one budget of time and cache entries, and stops at
// the first illegal one. Try it: `npx faultline check models/fixtures/register-ok.log --json`.
import { pairCalls, toOperations } from './calls.js';
import type { HistoryFormat } from './calls.js';
import type { History } from './history.js';
import { noPartition } from './model.js';
import type { AnyModel, Operation, Verdict } from './model.js';
import { cacheBitsetBytesMax, PartitionSearch } from './search.js';
import type { SearchOutcome } from './search.js';

export const timeoutMsDefault = 10_000;
export const cacheEntriesMaxDefault = 1_000_000;
/** Beyond this many info operations in one partition the search may blow up; the result says so. */
export const openOperationsWarnCount = 20;
/** Steps a partition takes in its turn: partitions take turns, so an easy illegal one is found early. */
export const turnSteps = 1024;

export interface CheckConstraints {
  timeoutMs?: number;
  cacheEntriesMax?: number;
  /** Which tool wrote the history, for what `fail` and nil reads mean; 'jsonl' is faultline's own. */
  dialect?: HistoryFormat;
  /**
   * Milliseconds on a monotonic clock, read only to enforce the budget and report `ms`. The verdict
   * never depends on it unless the budget runs out. Defaults to `performance.now`.
   */
  now?: () => number;
}

export interface LinearizationStep {
  /** The invoke's index in the history. */
  index: number;
  process: number;
  operation: string;
  /** The model's state after this operation. */
  state: string;
}

export interface BlockedOperation {
  index: number;
  process: number;
  operation: string;
}

export type Witness =
  | { kind: 'linearization'; /** Per partition, history indices in a legal order. */ partitions: number[][] }
  | {
      kind: 'counterexample';
      /** Which partition, in checking order (smallest first), and the indices of its operations. */
      partition: number;
      operations: number[];
      /** The model's state before any operation. */
      initialState: string;
      /** The longest legal prefix the search found. */
      longest: LinearizationStep[];
      /** An operation that returned without a legal point after that prefix. */
      blocked: BlockedOperation | undefined;
    };

export interface LinearizabilityResult {
  verdict: Verdict;
  reason?: string;
  /** Operations checked (after `fail` and reads with unknown answers are dropped). */
  ops: number;
  partitions: number;
  ms: number;
  cacheEntries: number;
  warnings: string[];
  witness?: Witness;
}

function defaultNow(): number {
  return globalThis.performance.now();
}

/** Checks a history of events against `model`; throws HistoryError when the history is malformed. */
export function checkLinearizable(model: AnyModel, history: History, constraints: CheckConstraints = {}): LinearizabilityResult {
  const now = constraints.now ?? defaultNow;
  const started = now();
  const dialect = constraints.dialect ?? 'jsonl';
  const operations = toOperations(model, pairCalls(history, dialect), dialect);
  return checkOperations(model, operations, { ...constraints, now }, started);
}

/** Checks operations already decoded, as `toOperations` makes them. */
export function checkOperations(model: AnyModel, operations: readonly Operation[], constraints: CheckConstraints = {}, startedAt?: number): LinearizabilityResult {
  const now = constraints.now ?? defaultNow;
  const started = startedAt ?? now();
  const timeoutMs = constraints.timeoutMs ?? timeoutMsDefault;
  const cacheEntriesMax = constraints.cacheEntriesMax ?? cacheEntriesMaxDefault;
  const deadline = started + timeoutMs;
  const expired = () => now() > deadline;
  const partitions = (model.partition?.bind(model) ?? noPartition)(operations)
    .filter((partition) => partition.length > 0)
    .sort((a, b) => a.length - b.length);
  const summary = { ops: operations.length, partitions: partitions.length, warnings: openOperationWarnings(partitions) };
  const elapsed = () => Math.round((now() - started) * 1000) / 1000;
  const searches = partitions.map((partition) => new PartitionSearch(model, partition, cacheEntriesMax));
  const cacheEntries = () => searches.reduce((sum, search) => sum + search.cacheEntries, 0);
  const unknownReasons: string[] = [];
  const where = (position: number) => `partition ${position + 1} of ${partitions.length} (${partitions[position]?.length} ops)`;
  let active = searches.flatMap((search, position) => (search.outcome === undefined ? [position] : []));
  while (active.length > 0) {
    let timedOut = false;
    for (const position of active) {
      const outcome = (searches[position] as PartitionSearch).run(turnSteps, expired);
      if (outcome?.verdict === 'illegal') {
        const witness = counterexample(model, partitions[position] as Operation[], position, outcome);
        return { verdict: 'illegal', reason: illegalReason(witness, partitions), ...summary, ms: elapsed(), cacheEntries: cacheEntries(), witness };
      }
      if (outcome?.verdict === 'unknown' && outcome.reason === 'cache') unknownReasons.push(`the cache reached its cap (${cacheEntriesMax} entries, ${megabytes(cacheBitsetBytesMax)} of bitsets) in ${where(position)}`);
      timedOut = ranOutOfTime(outcome);
      if (timedOut) break;
    }
    const unfinished = active.filter((position) => searches[position]?.outcome === undefined || ranOutOfTime(searches[position]?.outcome));
    if (timedOut || (unfinished.length > 0 && expired())) {
      const largest = Math.max(...unfinished.map((position) => partitions[position]?.length ?? 0));
      unknownReasons.push(`the ${timeoutMs} ms budget ran out with ${unfinished.length} of ${partitions.length} partitions unfinished (the largest has ${largest} ops)`);
      for (const position of unfinished) if (searches[position]?.outcome === undefined) searches[position]?.abandon('timeout');
      break;
    }
    active = active.filter((position) => searches[position]?.outcome === undefined);
    active = giveUpOverCache(searches, active, cacheEntriesMax, (position) => unknownReasons.push(`the partitions' caches together reached their cap (${cacheEntriesMax} entries, ${megabytes(cacheBitsetBytesMax)} of bitsets), so ${where(position)} was given up`));
  }
  if (unknownReasons.length > 0) return { verdict: 'unknown', reason: unknownReasons.join('; '), ...summary, ms: elapsed(), cacheEntries: cacheEntries() };
  const orders = searches.map((search, position) => {
    const outcome = search.outcome;
    const partition = partitions[position] as Operation[];
    return outcome?.verdict === 'ok' ? outcome.order.map((id) => (partition[id] as Operation).index) : [];
  });
  return { verdict: 'ok', ...summary, ms: elapsed(), cacheEntries: cacheEntries(), witness: { kind: 'linearization', partitions: orders } };
}

function ranOutOfTime(outcome: SearchOutcome | undefined): boolean {
  return outcome?.verdict === 'unknown' && outcome.reason === 'timeout';
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

/** Keeps the live caches within one budget: the partition with the largest cache goes first. */
function giveUpOverCache(searches: readonly PartitionSearch[], active: number[], cacheEntriesMax: number, report: (position: number) => void): number[] {
  let live = active.reduce((sum, position) => sum + (searches[position]?.cacheEntries ?? 0), 0);
  let liveBytes = active.reduce((sum, position) => sum + (searches[position]?.cacheBytes ?? 0), 0);
  let remaining = active;
  while ((live > cacheEntriesMax || liveBytes > cacheBitsetBytesMax) && remaining.length > 0) {
    const largest = remaining.reduce((best, position) => ((searches[position]?.cacheBytes ?? 0) > (searches[best]?.cacheBytes ?? 0) ? position : best));
    live -= searches[largest]?.cacheEntries ?? 0;
    liveBytes -= searches[largest]?.cacheBytes ?? 0;
    searches[largest]?.abandon('cache');
    report(largest);
    remaining = remaining.filter((position) => position !== largest);
  }
  return remaining;
}

function openOperationWarnings(partitions: readonly (readonly Operation[])[]): string[] {
  const warnings: string[] = [];
  partitions.forEach((partition, position) => {
    const open = partition.filter((operation) => operation.return === Infinity).length;
    if (open >= openOperationsWarnCount) {
      warnings.push(`partition ${position + 1} has ${open} info operations; each may take effect at any point after its invoke, which can make the search exponential`);
    }
  });
  return warnings;
}

function describe(model: AnyModel, operation: Operation): string {
  return model.describeOperation?.(operation.input, operation.output) ?? `${JSON.stringify(operation.input)} → ${JSON.stringify(operation.output)}`;
}

function counterexample(model: AnyModel, partition: readonly Operation[], position: number, outcome: Extract<SearchOutcome, { verdict: 'illegal' }>): Witness {
  const describeState = (state: unknown) => model.describeState?.(state) ?? JSON.stringify(state);
  const longest = outcome.longest.map((id, step) => {
    const operation = partition[id] as Operation;
    return { index: operation.index, process: operation.process, operation: describe(model, operation), state: describeState(outcome.statesAfter[step]) };
  });
  const stuck = partition[outcome.blocked];
  const blocked = stuck === undefined ? undefined : { index: stuck.index, process: stuck.process, operation: describe(model, stuck) };
  return { kind: 'counterexample', partition: position, operations: partition.map((operation) => operation.index), initialState: describeState(model.init()), longest, blocked };
}

function illegalReason(witness: Witness, partitions: readonly (readonly Operation[])[]): string {
  if (witness.kind !== 'counterexample') return 'not linearizable';
  const size = witness.operations.length;
  const where = partitions.length === 1 ? `the history (${size} ops)` : `partition ${witness.partition + 1} of ${partitions.length} (${size} ops)`;
  const blocked = witness.blocked === undefined ? '' : `; then op ${witness.blocked.index} (process ${witness.blocked.process}, ${witness.blocked.operation}) has no legal point before it returns`;
  return `no linearization of ${where}: the longest legal prefix has ${witness.longest.length} ops${blocked}`;
}
