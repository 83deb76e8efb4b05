// The plan of one run: a workload and a fault schedule, as plain JSON data. A plan is a pure
// function of (seed, path, options); see arbitrary.ts for how it is generated and story.ts to print it.
import type { BranchId } from '../cluster/links.js';

export const strategies = ['unsafe', 'lock', 'lock-free'] as const;
export type Strategy = (typeof strategies)[number];

export const contentions = ['low', 'high'] as const;
export type Contention = (typeof contentions)[number];

export const faultLevels = ['none', 'light', 'heavy'] as const;
export type FaultLevel = (typeof faultLevels)[number];

/** What shapes a plan. The strategy is not part of it: every strategy runs the same plan. */
export interface PlanConstraints {
  branchesMin: number;
  branchesMax: number;
  opsMax: number;
  accountsMax: number;
  clientsMax: number;
  contention: Contention;
  faults: FaultLevel;
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

/** Upstream is the request direction of a link (from its dialer); downstream carries the replies. */
export type ToxicStream = 'upstream' | 'downstream';

export type PartitionMode = 'symmetric' | 'one-way' | 'isolate' | 'majority';
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
  | { kind: 'partition'; mode: PartitionMode; from: BranchId[]; to: BranchId[]; links: string[] }
  | { kind: 'toxic'; toxic: LinkToxic; stream: ToxicStream; links: string[] }
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
