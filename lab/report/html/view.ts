// Everything report.html shows, computed once from a RunResult as plain data: the page's HTML and its
// script both read this, and the words come from the same functions as the text story.
import { pairCalls } from '../../../models/index.js';
import type { BranchState, CheckResult } from '../../../models/index.js';
import { seedLine } from '../../plan/index.js';
import { replayCommand, runCommand } from '../names.js';
import type { RunResult } from '../outcome.js';
import { planShape, runStory, verdictSentence } from '../story.js';
import { faultViews } from './faults.js';
import type { FaultInterval, FaultMark } from './faults.js';
import type { RecordedMessage } from './messages.js';
import { eventRows, opViews } from './ops.js';
import type { OpView } from './ops.js';
import { accountRows, invariantOps, linearizationView } from './witness.js';
import type { AccountRow, LinearizationView } from './witness.js';

export interface StateCell {
  branch: string;
  value: string;
  /** Differs from what most branches hold. */
  differs: boolean;
}

export interface ReportView {
  title: string;
  verdict: RunResult['verdict'];
  sentence: string;
  /** The commands that replay the run, the first the one to copy. */
  commands: string[];
  seedLine: string;
  strategy: string;
  bug: string | null;
  planShape: string;
  story: string;
  checks: CheckResult[];
  rows: number;
  /** One lane per client process, in process order. */
  lanes: number[];
  ops: OpView[];
  faults: FaultInterval[];
  marks: FaultMark[];
  linearization: LinearizationView | null;
  /** Ops an invariant violation points at (the accounts that do not add up, ids applied twice). */
  implicated: number[];
  accounts: AccountRow[];
  states: { branches: string[]; rows: { name: string; cells: StateCell[] }[] };
  messages: RecordedMessage[] | null;
  durationMs: number;
}

/** Per row, each branch's value, marked where it is not the value most branches hold. */
/** A row of the final-states table: each node's value, marked where it is not what most nodes hold. */
function differingRow(name: string, nodes: readonly string[], values: readonly string[]): { name: string; cells: StateCell[] } {
  const counts = new Map<string, number>();
  for (const item of values) counts.set(item, (counts.get(item) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return { name, cells: nodes.map((branch, position) => ({ branch, value: values[position] ?? '', differs: values[position] !== common })) };
}

function stateRows(states: readonly BranchState[], accounts: readonly string[]): ReportView['states'] {
  const branches = states.map((state) => state.branch);
  const row = (name: string, value: (state: BranchState) => string): { name: string; cells: StateCell[] } => differingRow(name, branches, states.map(value));
  const rows = accounts.map((account) => row(account, (state) => {
    const entry = state.accounts[account];
    return entry === undefined ? 'absent' : `${entry.balance} (v${entry.version})`;
  }));
  rows.push(row('outbox', (state) => String(state.outbox)), row('dead letters', (state) => String(state.deadLetters)));
  rows.push(row('applied more than once', (state) => String(state.applied.filter((key) => key.times > 1).length)));
  return { branches, rows };
}

/** Another system's final states: a row per field any node holds, each cell that node's JSON. */
function nodeStateRows(states: NonNullable<RunResult['nodeStates']>): ReportView['states'] {
  const nodes = states.map((state) => state.node);
  const fields = [...new Set(states.flatMap((state) => Object.keys(state.state)))].sort();
  const rows = fields.map((field) => differingRow(field, nodes, states.map((state) => (field in state.state ? JSON.stringify(state.state[field]) : 'absent'))));
  return { branches: nodes, rows };
}

export function reportView(run: RunResult, messages: RecordedMessage[] | null = null): ReportView {
  const { historyRows, nemesisRows, rows } = eventRows(run.history, run.nemesis);
  const calls = pairCalls([...run.history]);
  const ops = opViews(run.plan, run.history, calls, historyRows, rows);
  const { intervals, marks } = faultViews(run.nemesis, nemesisRows, rows);
  const accounts = accountRows(run.plan.workload.accounts, ops, calls, run.finalStates);
  const invariantBroken = run.violations.some((kind) => kind !== 'linearizability');
  const rerun = runCommand(run.seeds, run.plan, run.strategy, run.bug, run.mode);
  const commands = [...(run.artifactDir === undefined ? [] : [replayCommand(run.artifactDir)]), ...(rerun === undefined ? [] : [rerun])];
  return {
    title: `faultline report: ${run.runId}`,
    verdict: run.verdict,
    sentence: verdictSentence(run),
    commands,
    seedLine: seedLine(run.seeds),
    strategy: run.strategy,
    bug: run.bug ?? null,
    planShape: planShape(run.plan),
    story: runStory(run),
    checks: run.checks,
    rows,
    lanes: [...new Set(ops.map((op) => op.process))].sort((a, b) => a - b),
    ops,
    faults: intervals,
    marks,
    linearization: linearizationView(run.checks),
    implicated: invariantBroken ? invariantOps(accounts, ops, calls, run.finalStates) : [],
    accounts,
    states: run.nodeStates === undefined ? stateRows(run.finalStates, run.plan.workload.accounts.map((item) => item.account)) : nodeStateRows(run.nodeStates),
    messages,
    durationMs: run.stats.durationMs,
  };
}
