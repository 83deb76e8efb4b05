// The linearizability checker: splits a history by the model's partition (P-compositionality),
// lets the partitions' searches take turns within one budget of time and cache entries, and stops at
// the first illegal one. Try it: `npx faultline check models/fixtures/register-ok.log --json`.
import { pairCalls, toOperations } from './calls.js';
import type { HistoryFormat } from './calls.js';
import type { History } from './history.js';
import { noPartition } from './model.js';
import type { AnyModel, Operation, Verdict } from './model.js';
import { PartitionSearch } from './search.js';
import type { BudgetKind, SearchLimits, SearchOutcome } from './search.js';

export const timeoutMsDefault = 10_000;
export const cacheEntriesMaxDefault = 1_000_000;
/** The lab's default: what the cache of one check may take (bitsets, tables and states, estimated). */
export const memoryBytesMaxDefault = 512 * 1024 * 1024;
/** Beyond this many info operations in one partition the search may blow up; the result says so. */
export const openOperationsWarnCount = 20;
/** Steps a partition takes in its turn: partitions take turns, so an easy illegal one is found early. */
export const turnSteps = 1024;
/** Steps between deadline checks when one partition is searched on its own. */
const partitionRunSteps = 1 << 20;

export interface CheckConstraints {
  /** Infinity: no time limit. */
  timeoutMs?: number;
  /** Infinity: no cap on the entries, only on their bytes. */
  cacheEntriesMax?: number;
  /** The estimated bytes one check's cache may take (in checkOperations, all partitions' together). */
  memoryBytesMax?: number;
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
  /** For unknown: which budget ran out, and how far the search got. */
  budget?: BudgetReport;
}

export interface BudgetReport {
  kind: BudgetKind;
  reason: string;
  partitionsUnfinished: number;
  /** Of the largest unfinished partition: completed ops its longest legal prefix covered, of all. */
  deepest: number;
  completed: number;
  steps: number;
  cacheEntries: number;
  cacheBytes: number;
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

/** The model's partitions of the operations, smallest first, empty ones left out. */
export function partitionOperations(model: AnyModel, operations: readonly Operation[]): Operation[][] {
  const prune = model.prune?.bind(model) ?? ((partition: Operation[]) => partition);
  return (model.partition?.bind(model) ?? noPartition)(operations)
    .map(prune)
    .filter((partition) => partition.length > 0)
    .sort((a, b) => a.length - b.length);
}

function limitsOf(constraints: CheckConstraints): SearchLimits {
  return {
    cacheEntriesMax: constraints.cacheEntriesMax ?? cacheEntriesMaxDefault,
    memoryBytesMax: constraints.memoryBytesMax ?? memoryBytesMaxDefault,
  };
}

/**
 * Searches one partition to its end, or until `deadline` (on the `now` clock), a limit, or
 * `cancelled()` (read every 1024 steps): the unit of work the command line hands to a worker thread. Each partition gets the whole of `limits`, so a
 * verdict never depends on which partitions ran beside it.
 */
export function searchPartition(model: AnyModel, partition: readonly Operation[], constraints: CheckConstraints, deadline = Infinity, cancelled?: () => boolean): SearchOutcome {
  const now = constraints.now ?? defaultNow;
  const late = deadline === Infinity ? () => false : () => now() > deadline;
  // A cancelled search ends as a timeout; the caller that cancelled it throws the outcome away.
  const expired = cancelled === undefined ? late : () => cancelled() || late();
  const search = new PartitionSearch(model, partition, limitsOf(constraints));
  for (;;) {
    const outcome = search.run(partitionRunSteps, expired);
    if (outcome !== undefined) return outcome;
  }
}

/** Checks operations already decoded, as `toOperations` makes them. */
export function checkOperations(model: AnyModel, operations: readonly Operation[], constraints: CheckConstraints = {}, startedAt?: number): LinearizabilityResult {
  const now = constraints.now ?? defaultNow;
  const started = startedAt ?? now();
  const timeoutMs = constraints.timeoutMs ?? timeoutMsDefault;
  const limits = limitsOf(constraints);
  const expired = () => now() > started + timeoutMs;
  const partitions = partitionOperations(model, operations);
  const searches = partitions.map((partition) => new PartitionSearch(model, partition, limits));
  const outcomes = new Map<number, SearchOutcome>();
  const settle = (position: number, outcome: SearchOutcome) => outcomes.set(position, outcome);
  searches.forEach((search, position) => search.outcome !== undefined && settle(position, search.outcome));
  let active = searches.flatMap((search, position) => (search.outcome === undefined ? [position] : []));
  while (active.length > 0) {
    for (const position of active) {
      const outcome = (searches[position] as PartitionSearch).run(turnSteps, expired);
      if (outcome !== undefined) settle(position, outcome);
      if (outcome?.verdict === 'illegal') return resultFromOutcomes(model, partitions, outcomes, { now, started, limits, timeoutMs });
      if (outcome?.verdict === 'unknown' && outcome.reason === 'timeout') break;
    }
    if (expired()) {
      for (const position of active) if (!outcomes.has(position)) settle(position, (searches[position] as PartitionSearch).abandon('timeout'));
      break;
    }
    active = active.filter((position) => !outcomes.has(position));
    active = giveUpOverBudget(searches, active, limits, settle);
  }
  return resultFromOutcomes(model, partitions, outcomes, { now, started, limits, timeoutMs });
}

export interface OutcomeContext {
  now: () => number;
  started: number;
  limits: SearchLimits;
  timeoutMs: number;
}

/**
 * One verdict from the partitions' outcomes (illegal beats unknown beats ok; the illegal partition
 * reported is the first in checking order), with the witness and, for unknown, which budget ran out
 * and how far each unfinished search got. A partition with no outcome was skipped after a violation.
 */
export function resultFromOutcomes(model: AnyModel, partitions: readonly (readonly Operation[])[], outcomes: ReadonlyMap<number, SearchOutcome>, context: OutcomeContext): LinearizabilityResult {
  const ops = partitions.reduce((sum, partition) => sum + partition.length, 0);
  const cacheEntries = [...outcomes.values()].reduce((sum, outcome) => sum + outcome.cacheEntries, 0);
  const summary = { ops, partitions: partitions.length, warnings: openOperationWarnings(partitions), ms: Math.round((context.now() - context.started) * 1000) / 1000, cacheEntries };
  const positions = [...outcomes.keys()].sort((a, b) => a - b);
  for (const position of positions) {
    const outcome = outcomes.get(position) as SearchOutcome;
    if (outcome.verdict !== 'illegal') continue;
    const witness = counterexample(model, partitions[position] as Operation[], position, outcome);
    return { verdict: 'illegal', reason: illegalReason(witness, partitions), ...summary, witness };
  }
  const unknowns = positions.flatMap((position) => {
    const outcome = outcomes.get(position) as SearchOutcome;
    return outcome.verdict === 'unknown' ? [{ position, outcome }] : [];
  });
  if (unknowns.length > 0) {
    const budget = budgetReport(unknowns, partitions, context);
    return { verdict: 'unknown', reason: budget.reason, ...summary, budget };
  }
  const orders = partitions.map((partition, position) => {
    const outcome = outcomes.get(position);
    return outcome?.verdict === 'ok' ? outcome.order.map((id) => (partition[id] as Operation).index) : [];
  });
  return { verdict: 'ok', ...summary, witness: { kind: 'linearization', partitions: orders } };
}

type Unknown = Extract<SearchOutcome, { verdict: 'unknown' }>;

/** Which budget ran out first in the unfinished partitions, and how far the largest of them got. */
function budgetReport(unknowns: readonly { position: number; outcome: Unknown }[], partitions: readonly (readonly Operation[])[], context: OutcomeContext): BudgetReport {
  const order: BudgetKind[] = ['memory', 'cache', 'timeout'];
  const kind = order.find((candidate) => unknowns.some(({ outcome }) => outcome.reason === candidate)) ?? 'timeout';
  const worst = unknowns.reduce((a, b) => ((partitions[b.position]?.length ?? 0) > (partitions[a.position]?.length ?? 0) ? b : a));
  const { outcome } = worst;
  const where = partitions.length === 1 ? `the history (${partitions[0]?.length} ops)` : `${unknowns.length} of ${partitions.length} partitions; the largest unfinished has ${partitions[worst.position]?.length} ops`;
  const limit = kind === 'memory' ? `the memory budget (${megabytes(context.limits.memoryBytesMax)} a partition)`
    : kind === 'cache' ? `the cache's cap (${context.limits.cacheEntriesMax} entries)` : `the ${context.timeoutMs} ms budget`;
  const progress = `its longest legal prefix covered ${outcome.deepest} of ${outcome.completed} completed ops, after ${outcome.steps} steps with ${outcome.cacheEntries} cache entries (${megabytes(outcome.cacheBytes)})`;
  const reason = `${limit} ran out in ${where}: ${progress}`;
  return { kind, reason, partitionsUnfinished: unknowns.length, deepest: outcome.deepest, completed: outcome.completed, steps: outcome.steps, cacheEntries: outcome.cacheEntries, cacheBytes: outcome.cacheBytes };
}

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 * 10 ? `${Math.round(bytes / 1024 / 1024)} MB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Keeps the live caches within one budget: the partition with the largest cache goes first. */
function giveUpOverBudget(searches: readonly PartitionSearch[], active: number[], limits: SearchLimits, settle: (position: number, outcome: SearchOutcome) => void): number[] {
  let live = active.reduce((sum, position) => sum + (searches[position]?.cacheEntries ?? 0), 0);
  let liveBytes = active.reduce((sum, position) => sum + (searches[position]?.cacheBytes ?? 0), 0);
  let remaining = active;
  while ((live > limits.cacheEntriesMax || liveBytes > limits.memoryBytesMax) && remaining.length > 0) {
    const largest = remaining.reduce((best, position) => ((searches[position]?.cacheBytes ?? 0) > (searches[best]?.cacheBytes ?? 0) ? position : best));
    const search = searches[largest] as PartitionSearch;
    live -= search.cacheEntries;
    liveBytes -= search.cacheBytes;
    settle(largest, search.abandon(live > limits.cacheEntriesMax ? 'cache' : 'memory'));
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
