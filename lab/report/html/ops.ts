// The run's ops as the report draws them: one box per call, from invoke to completion, with its
// readable label and where the plan sent it. The timeline, the witness and the latency chart read these.
import type { Call, HistoryEvent } from '../../../models/index.js';
import { describeOp } from '../../plan/index.js';
import type { Plan, PlanOp } from '../../plan/index.js';
import type { NemesisEvent } from '../../client/index.js';

const nanosecondsPerMs = 1e6;

export interface OpView {
  /** The invoke's history index: the anchor `op-<index>` and the checker's name for the op. */
  index: number;
  process: number;
  f: string;
  type: 'ok' | 'fail' | 'info';
  /** Rows of the timeline: every history and nemesis event has one, in time order. */
  invokeRow: number;
  completeRow: number;
  invokeMs: number;
  /** null when the history ends before the op completed. */
  completeMs: number | null;
  label: string;
  /** The plan's form of the op (client, branch, retries); null where the plan has no op for it. */
  planned: string | null;
  branch: string | null;
  requestId: string | null;
  /** How many attempts the client may make: 1 + the op's retries (the history records no count). */
  attemptsMax: number | null;
  step: number | null;
  error: string | null;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** The bank's ops; any other system's are labelled from their own fields. */
const bankFunctions = new Set(['deposit', 'withdraw', 'query', 'transfer']);

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function text(value: unknown): string {
  return value === undefined ? '?' : String(value);
}

/** The op's call form: `transfer(a1→a2, 10)`, `deposit(a1, 5)`, `query(a1)`. */
export function callText(f: string, input: unknown): string {
  if (!bankFunctions.has(f)) return `${f}(${Object.values(typeof input === 'object' && input !== null ? input : {}).map(show).join(', ')})`;
  if (f === 'transfer') return `transfer(${text(field(input, 'from'))}→${text(field(input, 'to'))}, ${text(field(input, 'amount'))})`;
  if (f === 'query') return `query(${text(field(input, 'account'))})`;
  const amount = field(input, 'amount');
  return amount === undefined ? `${f}(${text(field(input, 'account'))})` : `${f}(${text(field(input, 'account'))}, ${text(amount)})`;
}

/** What came back, in words: `ok, balance 40`, `ok, refused`, `fail`, `info`. */
export function returnText(call: Call): string {
  if (call.completion === 'open' || call.completion === 'info') return 'info';
  if (call.completion === 'fail') return 'fail';
  const { value } = call;
  if (!bankFunctions.has(call.f)) {
    // Another system's op: what the reply added to the input (`ok, value 3`).
    const added = Object.entries(typeof value === 'object' && value !== null ? value : {}).filter(([name]) => field(call.invoke, name) === undefined);
    return added.length === 0 ? 'ok' : `ok, ${added.map(([name, each]) => `${name} ${show(each)}`).join(', ')}`;
  }
  if (field(value, 'applied') === false) return 'ok, refused';
  if (call.f === 'transfer') return `ok, ${text(field(call.invoke, 'from'))} ${text(field(value, 'fromBalance'))}, ${text(field(call.invoke, 'to'))} ${text(field(value, 'toBalance'))}`;
  return `ok, balance ${text(field(value, 'balance'))}`;
}

/**
 * The plan op behind each call. The recorder gives a client a new process after an `info` (Jepsen's
 * rule), in the order the infos complete; each client runs its ops one at a time in step order, so a
 * client's k-th call is its k-th planned op.
 */
function plannedOps(plan: Plan, history: readonly HistoryEvent[]): Map<number, { op: PlanOp; step: number }> {
  const byClient = new Map<number, { op: PlanOp; step: number }[]>();
  plan.workload.steps.forEach((ops, step) => ops.forEach((op) => byClient.set(op.client, [...(byClient.get(op.client) ?? []), { op, step }])));
  const clientOf = new Map<number, number>();
  for (let client = 0; client < plan.workload.clients; client += 1) clientOf.set(client, client);
  let nextProcess = plan.workload.clients;
  const taken = new Map<number, number>();
  const found = new Map<number, { op: PlanOp; step: number }>();
  for (const event of history) {
    const client = clientOf.get(event.process);
    if (client === undefined) continue;
    if (event.type === 'invoke') {
      const position = taken.get(client) ?? 0;
      const planned = byClient.get(client)?.[position];
      taken.set(client, position + 1);
      if (planned !== undefined && planned.op.f === event.f) found.set(event.index, planned);
    } else if (event.type === 'info') {
      clientOf.set(nextProcess, client);
      nextProcess += 1;
    }
  }
  return found;
}

/** Rows for every history event and every nemesis event, merged by time (history first on a tie). */
export function eventRows(history: readonly HistoryEvent[], nemesis: readonly NemesisEvent[]): { historyRows: number[]; nemesisRows: number[]; rows: number } {
  const historyRows: number[] = [];
  const nemesisRows: number[] = [];
  let next = 0;
  let position = 0;
  for (const [order, event] of nemesis.entries()) {
    while (position < history.length && (history[position] as HistoryEvent).time <= event.time) historyRows[position++] = next++;
    nemesisRows[order] = next++;
  }
  while (position < history.length) historyRows[position++] = next++;
  return { historyRows, nemesisRows, rows: next };
}

/** Each invoke's position with its completion's position (undefined while open), in real-time order. */
function pairPositions(history: readonly HistoryEvent[]): { invoke: number; completion: number | undefined }[] {
  const pairs: { invoke: number; completion: number | undefined }[] = [];
  const open = new Map<number, { invoke: number; completion: number | undefined }>();
  history.forEach((event, position) => {
    if (event.type === 'invoke') {
      const pair = { invoke: position, completion: undefined };
      pairs.push(pair);
      open.set(event.process, pair);
      return;
    }
    const pair = open.get(event.process);
    if (pair !== undefined) pair.completion = position;
    open.delete(event.process);
  });
  return pairs;
}

/** One view per call; `calls` is pairCalls(history), in the same order. */
export function opViews(plan: Plan, history: readonly HistoryEvent[], calls: readonly Call[], historyRows: readonly number[], rows: number): OpView[] {
  const planned = plannedOps(plan, history);
  return pairPositions(history).map((pair, position): OpView => {
    const call = calls[position] as Call;
    const invoked = history[pair.invoke] as HistoryEvent;
    const completed = pair.completion === undefined ? undefined : history[pair.completion];
    const match = planned.get(invoked.index);
    const requestId = field(call.invoke, 'requestId');
    return {
      index: invoked.index,
      process: call.process,
      f: call.f,
      type: call.completion === 'open' ? 'info' : call.completion,
      invokeRow: historyRows[pair.invoke] ?? 0,
      completeRow: pair.completion === undefined ? rows : historyRows[pair.completion] ?? rows,
      invokeMs: invoked.time / nanosecondsPerMs,
      completeMs: completed === undefined ? null : completed.time / nanosecondsPerMs,
      label: `${callText(call.f, call.invoke)} → ${returnText(call)}`,
      planned: match === undefined ? null : describeOp(match.op),
      branch: match?.op.branch ?? null,
      requestId: typeof requestId === 'string' ? requestId : null,
      attemptsMax: match === undefined ? null : match.op.retries + 1,
      step: match?.step ?? null,
      error: call.error ?? null,
    };
  });
}
