// fast-check arbitraries for plans. Raw values name branches, accounts and links by index; `normalize`
// turns them into a plan by taking every index modulo what exists, so any shrunk value is still a
// valid plan (a fault never targets a branch that shrinking removed).
import fc from 'fast-check';
import { branchIds, linkName, partitionLinks } from '../plan/index.js';
import type { BranchId, Fault, FaultStep, LinkToxic, PartitionMode, PlanConstraints, PlanOp, ToxicStream, Workload } from '../plan/index.js';

const balanceMax = 100;
const depositAmountMax = 30;
const withdrawAmountMax = 60;
const retriesMax = 2;
const faultDurationStepsMax = 8;
export const faultsMaxByLevel = { none: 0, light: 2, heavy: 5 } as const;

export interface RawOp {
  kind: 'deposit' | 'withdraw' | 'query' | 'transfer';
  hot: boolean;
  account: number;
  other: number;
  amount: number;
  retries: number;
  branchShift: number;
}

export type RawTarget = { scope: 'out' | 'in' | 'both' | 'client'; node: number };

export interface RawFault {
  kind: 'partition' | 'toxic' | 'kill' | 'pause';
  mode: PartitionMode;
  toxic: LinkToxic;
  stream: ToxicStream;
  target: RawTarget;
  split: number;
  atStep: number;
  duration: number;
}

export interface RawPlan {
  branches: number;
  balances: number[];
  clients: number;
  steps: RawOp[][];
  faults: RawFault[];
}

function rawOp(constraints: PlanConstraints): fc.Arbitrary<RawOp> {
  // Low contention spreads ops over the accounts; high sends nine ops in ten to the hot account a1.
  const hot = constraints.contention === 'high' ? fc.oneof({ arbitrary: fc.constant(false), weight: 1 }, { arbitrary: fc.constant(true), weight: 9 }) : fc.constant(false);
  return fc.record({
    kind: fc.oneof(
      { arbitrary: fc.constant('deposit' as const), weight: 3 },
      { arbitrary: fc.constant('withdraw' as const), weight: 3 },
      { arbitrary: fc.constant('query' as const), weight: 2 },
      { arbitrary: fc.constant('transfer' as const), weight: 2 },
    ),
    hot,
    account: fc.nat({ max: 63 }),
    other: fc.nat({ max: 63 }),
    amount: fc.integer({ min: 1, max: withdrawAmountMax }),
    retries: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: retriesMax }), weight: 1 }),
    branchShift: fc.nat({ max: 7 }),
  });
}

function linkToxic(level: PlanConstraints['faults']): fc.Arbitrary<LinkToxic> {
  const mild = [
    fc.record({ kind: fc.constant('latency' as const), latencyMs: fc.integer({ min: 5, max: 150 }), jitterMs: fc.integer({ min: 0, max: 50 }) }),
    // The real server needs size_variation below average_size (it loops or crashes otherwise).
    fc
      .record({ averageSize: fc.integer({ min: 2, max: 64 }), sizeVariation: fc.nat({ max: 16 }), delayUs: fc.integer({ min: 0, max: 2000 }) })
      .map(({ averageSize, sizeVariation, delayUs }) => ({ kind: 'slicer' as const, averageSize, sizeVariation: sizeVariation % averageSize, delayUs })),
    fc.record({ kind: fc.constant('bandwidth' as const), rateKBps: fc.integer({ min: 8, max: 256 }) }),
  ];
  const harsh = [
    fc.record({ kind: fc.constant('reset_peer' as const), timeoutMs: fc.integer({ min: 0, max: 200 }) }),
    fc.record({ kind: fc.constant('timeout' as const), timeoutMs: fc.integer({ min: 0, max: 300 }) }),
    fc.record({ kind: fc.constant('limit_data' as const), bytes: fc.integer({ min: 64, max: 4096 }) }),
    fc.record({ kind: fc.constant('slow_close' as const), delayMs: fc.integer({ min: 10, max: 300 }) }),
  ];
  return fc.oneof(...(level === 'heavy' ? [...mild, ...harsh] : [...mild, ...harsh.slice(0, 1)]));
}

/** One fault as fast-check draws it; every system's plans draw their faults from here. */
export function rawFault(constraints: Pick<PlanConstraints, 'faults'>): fc.Arbitrary<RawFault> {
  const processWeight = constraints.faults === 'heavy' ? 2 : 1;
  return fc.record({
    kind: fc.oneof(
      { arbitrary: fc.constant('partition' as const), weight: 3 },
      { arbitrary: fc.constant('toxic' as const), weight: 3 },
      { arbitrary: fc.constant('kill' as const), weight: processWeight },
      { arbitrary: fc.constant('pause' as const), weight: processWeight },
    ),
    mode: fc.constantFrom<PartitionMode>('isolate', 'one-way', 'symmetric', 'majority'),
    toxic: linkToxic(constraints.faults),
    stream: fc.constantFrom<ToxicStream>('downstream', 'upstream'),
    target: fc.record({ scope: fc.constantFrom('both' as const, 'out' as const, 'in' as const, 'client' as const), node: fc.nat({ max: 7 }) }),
    split: fc.nat({ max: 7 }),
    atStep: fc.nat({ max: 63 }),
    duration: fc.integer({ min: 1, max: faultDurationStepsMax }),
  });
}

/** The raw arbitrary that fast-check generates and shrinks. */
export function rawPlanArbitrary(constraints: PlanConstraints): fc.Arbitrary<RawPlan> {
  const faultsMax = faultsMaxByLevel[constraints.faults];
  // fast-check shrinks a record's fields in order: the ops and the faults first, where most of a
  // counterexample's size is, then the cluster.
  return fc.record({
    steps: fc.array(fc.array(rawOp(constraints), { minLength: 1, maxLength: constraints.clientsMax }), {
      minLength: 1,
      maxLength: Math.max(1, Math.ceil(constraints.opsMax / 2)),
      size: 'max',
    }),
    faults: fc.array(rawFault(constraints), { maxLength: faultsMax }),
    clients: fc.integer({ min: 1, max: constraints.clientsMax }),
    branches: fc.integer({ min: constraints.branchesMin, max: constraints.branchesMax }),
    // Low contention has every account to spread over; high contention may have one.
    balances: fc.array(fc.integer({ min: 0, max: balanceMax }), {
      minLength: constraints.contention === 'low' ? constraints.accountsMax : 1,
      maxLength: constraints.accountsMax,
    }),
  });
}

function accountName(index: number): string {
  return `a${index + 1}`;
}

function normalizeOp(raw: RawOp, client: number, step: number, workload: Omit<Workload, 'steps'>): PlanOp {
  const accountCount = workload.accounts.length;
  const account = accountName(raw.hot ? 0 : raw.account % accountCount);
  const branchCount = workload.branches.length;
  const branch = workload.branches[(client + raw.branchShift) % branchCount] as BranchId;
  const base = { client, branch, retries: raw.retries };
  const requestId = `s${step}c${client}`;
  const kind = raw.kind === 'transfer' && accountCount < 2 ? 'deposit' : raw.kind;
  switch (kind) {
    case 'query':
      return { f: 'query', ...base, account };
    case 'deposit':
      return { f: 'deposit', ...base, account, amount: 1 + ((raw.amount - 1) % depositAmountMax), requestId };
    case 'withdraw':
      return { f: 'withdraw', ...base, account, amount: raw.amount, requestId };
    case 'transfer': {
      const fromIndex = Number(account.slice(1)) - 1;
      const toIndex = (fromIndex + 1 + (raw.other % (accountCount - 1))) % accountCount;
      return { f: 'transfer', ...base, from: account, to: accountName(toIndex), amount: raw.amount, requestId };
    }
  }
}

function targetLinks(target: RawTarget, branches: BranchId[]): string[] {
  const node = branches[target.node % branches.length] as BranchId;
  const others = branches.filter((branch) => branch !== node);
  switch (target.scope) {
    case 'client':
      return [linkName('client', node)];
    case 'out':
      return others.map((other) => linkName(node, other));
    case 'in':
      return others.map((other) => linkName(other, node));
    case 'both':
      return [...others.map((other) => linkName(node, other)), ...others.map((other) => linkName(other, node))];
  }
}

function partitionFault(raw: RawFault, branches: BranchId[]): Fault {
  const node = branches[raw.target.node % branches.length] as BranchId;
  let from: BranchId[];
  if (raw.mode === 'isolate' || raw.mode === 'one-way') from = [node];
  else if (raw.mode === 'majority') from = branches.slice(0, Math.floor(branches.length / 2));
  else from = branches.filter((_, index) => index <= raw.split % (branches.length - 1));
  const to = branches.filter((branch) => !from.includes(branch));
  return { kind: 'partition', mode: raw.mode, from, to, links: partitionLinks(raw.mode, from, to) };
}

/** A raw fault over these nodes: indices taken modulo what exists, so it is always valid. */
export function normalizeFault(raw: RawFault, branches: BranchId[]): Fault {
  const node = branches[raw.target.node % branches.length] as BranchId;
  switch (raw.kind) {
    case 'kill':
      return { kind: 'kill', node };
    case 'pause':
      return { kind: 'pause', node };
    case 'partition':
      return partitionFault(raw, branches);
    case 'toxic':
      return { kind: 'toxic', toxic: raw.toxic, stream: raw.stream, links: targetLinks(raw.target, branches) };
  }
}

/** Turns a raw value into the workload and fault schedule of a plan. Pure and total. */
export function normalize(raw: RawPlan, constraints: PlanConstraints): { workload: Workload; faultSchedule: FaultStep[] } {
  const branches = branchIds(raw.branches);
  const accounts = raw.balances.map((balance, index) => ({ account: accountName(index), balance }));
  const base = { branches, accounts, clients: raw.clients };
  const steps: PlanOp[][] = [];
  let total = 0;
  for (const rawStep of raw.steps) {
    if (total >= constraints.opsMax) break;
    const ops = rawStep.slice(0, Math.min(raw.clients, constraints.opsMax - total));
    steps.push(ops.map((op, client) => normalizeOp(op, client, steps.length, base)));
    total += ops.length;
  }
  const faultSchedule = raw.faults.map((fault) => {
    const atStep = fault.atStep % steps.length;
    return { atStep, healAtStep: Math.min(atStep + fault.duration, steps.length), fault: normalizeFault(fault, branches) };
  });
  faultSchedule.sort((left, right) => left.atStep - right.atStep);
  return { workload: { ...base, steps }, faultSchedule };
}
