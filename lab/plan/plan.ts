// The plan of one run: a workload and a fault schedule, as plain JSON data, and its canonical bytes.
// A plan is a pure function of (seed, path, options); lab/gen generates it and story.ts prints it.
import { createHash } from 'node:crypto';
import type { BranchId } from './topology.js';

export const contentions = ['low', 'high'] as const;
export type Contention = (typeof contentions)[number];

export const faultLevels = ['none', 'light', 'heavy'] as const;
export type FaultLevel = (typeof faultLevels)[number];

/**
 * The shape of the bank's workload: `mixed` (the default) draws every op on its own; `read-after-write`
 * has about half the clients write in each step and the others read those writes back at other
 * branches just after (across a partition while one is in force), which is where replica reads show
 * their lag (lab/gen/arbitrary.ts, readAfterWriteSteps).
 */
export const bankWorkloads = ['mixed', 'read-after-write'] as const;
export type BankWorkload = (typeof bankWorkloads)[number];

/** What shapes a plan. The strategy is not part of it: every strategy runs the same plan. */
export interface PlanConstraints {
  branchesMin: number;
  branchesMax: number;
  opsMax: number;
  accountsMax: number;
  clientsMax: number;
  contention: Contention;
  faults: FaultLevel;
  /** The workload's shape; absent means `mixed`, so the plans written before it keep their bytes. */
  workload?: BankWorkload;
}

export const defaultPlanConstraints: PlanConstraints = {
  branchesMin: 2,
  branchesMax: 5,
  opsMax: 100,
  accountsMax: 4,
  clientsMax: 5,
  contention: 'low',
  faults: 'light',
};

export interface OpBase {
  /** The logical client that issues it; a client has at most one op in flight. */
  client: number;
  /** The branch the client talks to first; a retry goes to the next branch. */
  branch: BranchId;
  /** How many times the client resends the same request id after an indeterminate error. */
  retries: number;
}

export interface DepositOp extends OpBase { f: 'deposit'; account: string; amount: number; requestId: string }
export interface WithdrawOp extends OpBase { f: 'withdraw'; account: string; amount: number; requestId: string }
export interface QueryOp extends OpBase { f: 'query'; account: string }
export interface TransferOp extends OpBase { f: 'transfer'; from: string; to: string; amount: number; requestId: string }
export type PlanOp = DepositOp | WithdrawOp | QueryOp | TransferOp;

/**
 * Upstream is the request direction of a link (from its dialer); downstream carries the replies.
 * `both` puts the toxic on each (the generator draws one direction; a hand-written plan may ask for both).
 */
export type ToxicStream = 'upstream' | 'downstream' | 'both';

/** The shape of a partition: which links it cuts (see topology.ts, partitionLinks). */
export type PartitionMode = 'symmetric' | 'one-way' | 'isolate' | 'majority';

/**
 * How a partition cuts a link: `disable` closes the proxy (calls fail fast, UNAVAILABLE); `blackhole`
 * keeps it open and holds every byte (timeout toxics: calls run into their deadlines).
 */
export const cutMethods = ['disable', 'blackhole'] as const;
export type CutMethod = (typeof cutMethods)[number];
export type LinkToxic =
  | { kind: 'latency'; latencyMs: number; jitterMs: number }
  | { kind: 'bandwidth'; rateKBps: number }
  | { kind: 'slicer'; averageSize: number; sizeVariation: number; delayUs: number }
  | { kind: 'reset_peer'; timeoutMs: number }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'limit_data'; bytes: number }
  | { kind: 'slow_close'; delayMs: number };

/** A fault is data: what it does and to which links or nodes. */
export type Fault =
  | { kind: 'partition'; mode: PartitionMode; from: BranchId[]; to: BranchId[]; links: string[]; cut?: CutMethod }
  /** `toxicity` (0 to 1, default 1): the share of connections the toxic acts on. */
  | { kind: 'toxic'; toxic: LinkToxic; stream: ToxicStream; links: string[]; toxicity?: number }
  | { kind: 'kill'; node: BranchId }
  | { kind: 'pause'; node: BranchId };

export interface FaultStep {
  /** Applied at the boundary before this workload step runs. */
  atStep: number;
  /** Healed at the boundary before this step runs (steps.length means: at the end of the run). */
  healAtStep: number;
  fault: Fault;
}

export interface Workload {
  branches: BranchId[];
  accounts: { account: string; balance: number }[];
  clients: number;
  /** The ops of a step go out together (in client order, a few ms apart); the next step starts when all of them completed. */
  steps: PlanOp[][];
}

export interface Plan {
  version: 1;
  seed: number;
  path: string;
  constraints: PlanConstraints;
  workload: Workload;
  faultSchedule: FaultStep[];
}

export function opCount(plan: Pick<Plan, 'workload'>): number {
  return plan.workload.steps.reduce((total, step) => total + step.length, 0);
}

/** The canonical bytes of a plan: JSON with the key order the generator builds. */
export function planJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

export function planHash(plan: Plan): string {
  return createHash('sha256').update(planJson(plan)).digest('hex');
}

/**
 * What is wrong with a plan's indices and names, as sentences (none for a good plan): an op of a
 * client or at a branch that does not exist, a fault that heals before it starts or after the end, a
 * link or node the cluster does not have. The runner asserts there are none; replay refuses a file with any.
 */
export function planProblems(plan: Plan): string[] {
  const problems: string[] = [];
  const { branches, clients, steps } = plan.workload;
  const accounts = new Set(plan.workload.accounts.map((entry) => entry.account));
  const links = new Set([...branches.map((to) => `client-${to}`), ...branches.flatMap((from) => branches.filter((to) => to !== from).map((to) => `${from}-${to}`))]);
  for (const [step, ops] of steps.entries()) {
    for (const op of ops) {
      if (!Number.isInteger(op.client) || op.client < 0 || op.client >= clients) problems.push(`step ${step}: client ${op.client} of ${clients}`);
      if (!branches.includes(op.branch)) problems.push(`step ${step}: branch '${op.branch}' is not in the cluster`);
      const named = op.f === 'transfer' ? [op.from, op.to] : [op.account];
      for (const account of named) if (!accounts.has(account)) problems.push(`step ${step}: account '${account}' has no initial balance`);
    }
  }
  for (const [index, entry] of plan.faultSchedule.entries()) {
    if (!(entry.atStep >= 0 && entry.atStep < entry.healAtStep && entry.healAtStep <= steps.length)) {
      problems.push(`fault ${index}: applies at step ${entry.atStep} and heals at ${entry.healAtStep} of ${steps.length}`);
    }
    const { fault } = entry;
    if (fault.kind === 'kill' || fault.kind === 'pause') {
      if (!branches.includes(fault.node)) problems.push(`fault ${index}: node '${fault.node}' is not in the cluster`);
    } else {
      for (const link of fault.links) if (!links.has(link)) problems.push(`fault ${index}: link '${link}' is not in the cluster`);
    }
  }
  return problems;
}
