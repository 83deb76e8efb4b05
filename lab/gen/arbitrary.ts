// fast-check arbitraries for plans. Raw values name branches, accounts and links by index; `normalize`
// turns them into a plan by taking every index modulo what exists, so any shrunk value is still a
// valid plan (a fault never targets a branch that shrinking removed).
import fc from 'fast-check';
import { branchIds, linkName, partitionLinks, serializationPoints } from '../plan/index.js';
import type { BranchId, Fault, FaultStep, LinkToxic, PartitionMode, PlanConstraints, PlanOp, ToxicStream, Workload } from '../plan/index.js';

const balanceMax = 100;
const depositAmountMax = 30;
const withdrawAmountMax = 60;
const retriesMax = 2;
export const faultDurationStepsMax = 8;
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
  const steps = fc.array(fc.array(rawOp(constraints), { minLength: 1, maxLength: constraints.clientsMax }), {
    minLength: 1,
    maxLength: Math.max(1, Math.ceil(constraints.opsMax / 2)),
    size: 'max',
  });
  const clients = fc.integer({ min: 1, max: constraints.clientsMax });
  // fast-check draws small values for one run in two early on (its bias); a read-after-write workload
  // of a step or two reads nothing back, so that shape draws its length and clients without the bias.
  const unbiased = constraints.workload === 'read-after-write';
  return fc.record({
    steps: unbiased ? fc.noBias(steps) : steps,
    faults: fc.array(rawFault(constraints), { maxLength: faultsMax }),
    clients: unbiased ? fc.noBias(clients) : clients,
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

/**
 * The branches a partition of one node may cut off, by mode: a one-way partition cuts the links from
 * one of `oneWayFrom`, an isolate all links of one of `isolated`. Any branch by default.
 */
export interface PartitionAim {
  oneWayFrom: readonly BranchId[];
  isolated: readonly BranchId[];
}

function partitionFault(raw: RawFault, branches: BranchId[], aim: PartitionAim | undefined): Fault {
  const aimed = raw.mode === 'one-way' ? aim?.oneWayFrom : raw.mode === 'isolate' ? aim?.isolated : undefined;
  const candidates = aimed === undefined || aimed.length === 0 ? branches : aimed;
  const node = candidates[raw.target.node % candidates.length] as BranchId;
  let from: BranchId[];
  if (raw.mode === 'isolate' || raw.mode === 'one-way') from = [node];
  else if (raw.mode === 'majority') from = branches.slice(0, Math.floor(branches.length / 2));
  else from = branches.filter((_, index) => index <= raw.split % (branches.length - 1));
  const to = branches.filter((branch) => !from.includes(branch));
  return { kind: 'partition', mode: raw.mode, from, to, links: partitionLinks(raw.mode, from, to) };
}

/**
 * A raw fault over these nodes: indices taken modulo what exists, so it is always valid. `aim`: the
 * nodes a one-way partition or an isolate may cut off, when the workload narrows them (else any).
 */
export function normalizeFault(raw: RawFault, branches: BranchId[], aim?: PartitionAim): Fault {
  const node = branches[raw.target.node % branches.length] as BranchId;
  switch (raw.kind) {
    case 'kill':
      return { kind: 'kill', node };
    case 'pause':
      return { kind: 'pause', node };
    case 'partition':
      return partitionFault(raw, branches, aim);
    case 'toxic':
      return { kind: 'toxic', toxic: raw.toxic, stream: raw.stream, links: targetLinks(raw.target, branches) };
  }
}

/** The raw ops that fit: each step cut to the plan's clients, and the whole to opsMax. */
function rawStepsWithin(raw: RawPlan, constraints: PlanConstraints): RawOp[][] {
  const steps: RawOp[][] = [];
  let total = 0;
  for (const rawStep of raw.steps) {
    if (total >= constraints.opsMax) break;
    const ops = rawStep.slice(0, Math.min(raw.clients, constraints.opsMax - total));
    steps.push(ops);
    total += ops.length;
  }
  return steps;
}

/**
 * The raw ops in order, every step as wide as the plan's clients (the last one may be shorter), up to
 * opsMax: read-after-write keeps every client busy in every step, so each step has writes and reads.
 */
function denseRawSteps(raw: RawPlan, constraints: PlanConstraints): RawOp[][] {
  const ops = raw.steps.flat().slice(0, constraints.opsMax);
  return Array.from({ length: Math.ceil(ops.length / raw.clients) }, (_, step) => ops.slice(step * raw.clients, (step + 1) * raw.clients));
}

/** A write a read-after-write step reads back: its client, its account, and where to read it. */
interface WriteToRead {
  client: number;
  account: string;
  /** Where it was written. */
  branch: BranchId;
  /** The branches to read it at: across the partition it was written under, else every branch but its own. */
  readAt: BranchId[];
}

type Partition = Extract<Fault, { kind: 'partition' }>;

/** The partition in force during a step (the latest applied, when several overlap), if any. */
function partitionAt(schedule: readonly FaultStep[], step: number): Partition | undefined {
  let found: Partition | undefined;
  for (const entry of schedule) if (entry.fault.kind === 'partition' && entry.atStep <= step && step < entry.healAtStep) found = entry.fault;
  return found;
}

/**
 * Whether a client's call to this branch can be answered during the step: an isolate cuts the isolated
 * branch's client link, and a killed or paused branch answers nothing.
 */
function reachableAt(schedule: readonly FaultStep[], step: number, branch: BranchId): boolean {
  const link = linkName('client', branch);
  return !schedule.some(({ fault, atStep, healAtStep }) => atStep <= step && step < healAtStep
    && (fault.kind === 'partition' ? fault.links.includes(link) : (fault.kind === 'kill' || fault.kind === 'pause') && fault.node === branch));
}

/**
 * Where a write under a partition goes and where it is read back: its two sides in turn, the write on
 * one and the read on the other, where a replica that the partition cut off shows its lag. A side
 * whose clients are cut off (an isolated branch) takes no write, but is where the write is read back
 * once the partition heals and the branch's replica must catch up.
 */
function partitionSides(partition: Partition, turn: number, reachable: (branch: BranchId) => boolean): [BranchId[], BranchId[]] {
  const sides: [BranchId[], BranchId[]] = turn % 2 === 0 ? [partition.from, partition.to] : [partition.to, partition.from];
  return sides[0].some(reachable) ? sides : [sides[1], sides[0]];
}

/**
 * A read-after-write write: a raw query becomes a deposit, and it moves at most a deposit's amount.
 * Under a partition it goes to a branch of the side it is on that can answer, if one can.
 */
function writeOp(raw: RawOp, client: number, step: number, workload: Omit<Workload, 'steps'>, sides: [BranchId[], BranchId[]] | undefined, reachable: (branch: BranchId) => boolean): { op: PlanOp; write: WriteToRead } {
  const op = normalizeOp({ ...raw, kind: raw.kind === 'query' ? 'deposit' : raw.kind, amount: 1 + ((raw.amount - 1) % depositAmountMax) }, client, step, workload);
  if (sides !== undefined) {
    const answering = sides[0].filter(reachable);
    const side = answering.length > 0 ? answering : sides[0];
    op.branch = side[raw.branchShift % side.length] as BranchId;
  }
  const others = workload.branches.filter((branch) => branch !== op.branch);
  const readAt = sides?.[1] ?? (others.length === 0 ? [op.branch] : others);
  return { op, write: { client, account: op.f === 'transfer' ? op.from : op.account, branch: op.branch, readAt } };
}

/**
 * A read of a write: where the write says, or, when the client can reach none of those branches now,
 * another branch it can reach, or the write's own. Only when it can reach no branch at all does it
 * call one it cannot: a call to a cut-off branch fails at once and sends the client's channel into
 * its reconnect backoff (100 ms to 1 s), so that the read-back right after the heal would fail too,
 * where the branch's replica is still catching up.
 */
function readOp(raw: RawOp, client: number, target: WriteToRead, spread: number, reachable: (branch: BranchId) => boolean, branches: readonly BranchId[]): PlanOp {
  const readable = target.readAt.filter(reachable);
  const anywhere = branches.filter((branch) => branch !== target.branch && reachable(branch));
  const own = reachable(target.branch) ? [target.branch] : [];
  const readAt = readable.length > 0 ? readable : anywhere.length > 0 ? anywhere : own.length > 0 ? own : target.readAt;
  const branch = readAt[(raw.branchShift + spread) % readAt.length] as BranchId;
  return { f: 'query', client, branch, retries: raw.retries, account: target.account };
}

/**
 * The read-after-write shape. Clients take turns: in each step about half of them write and the other
 * half read back, elsewhere, the account they wrote themselves in the step before (or, when they did
 * not write then, one another client wrote); each client writes and reads in turn. So every write is
 * read at another branch the moment it is acknowledged, by the writer's own session and across
 * branches. While a partition is in force, writes go to its two sides in turn (from its `from` side
 * first) and are read back on the other side; in its first step the first half of the clients write
 * and the others, a few milliseconds later, read those writes back. In the step after a partition
 * heals, every client reads back a write made under it, where the partition had cut the write off:
 * the replica there must catch up now (an isolated branch's clients could not read it before). A read
 * that would go to a branch its client cannot reach goes to another.
 */
function readAfterWriteSteps(rawSteps: RawOp[][], workload: Omit<Workload, 'steps'>, schedule: readonly FaultStep[]): PlanOp[][] {
  const steps: PlanOp[][] = [];
  let previous: WriteToRead[] = [];
  let underPartition: WriteToRead[] = [];
  let partitionBefore: Partition | undefined;
  // Whether each client writes in an ordinary step: by default in turn by parity, after that each turns over every step.
  let turns: boolean[] = [];
  for (const rawStep of rawSteps) {
    const step = steps.length;
    const partition = partitionAt(schedule, step);
    const reachable = (branch: BranchId): boolean => reachableAt(schedule, step, branch);
    // What was written before a partition says nothing about it: its first step's first half writes,
    // and its second half reads those writes back (the partition may last this one step).
    const partitionStarts = partition !== undefined && partition !== partitionBefore;
    const healed = partition === undefined && partitionBefore !== undefined && underPartition.length > 0;
    partitionBefore = partition;
    const written: WriteToRead[] = [];
    if (partitionStarts) {
      previous = written;
      underPartition = written;
    }
    if (healed) previous = [...underPartition].reverse();
    const writers = partitionStarts ? Math.ceil(rawStep.length / 2) : 0;
    const writes = (client: number): boolean =>
      partitionStarts ? client < writers : previous.length === 0 || (!healed && (turns[client] ?? (step + client) % 2 === 0));
    let reader = 0;
    const ops = rawStep.map((raw, client) => {
      if (writes(client)) {
        const sides = partition === undefined ? undefined : partitionSides(partition, underPartition.length, reachable);
        const { op, write } = writeOp(raw, client, step, workload, sides, reachable);
        written.push(write);
        if (partition !== undefined && !partitionStarts) underPartition.push(write);
        return op;
      }
      const target = previous.find((write) => write.client === client) ?? (previous[reader % previous.length] as WriteToRead);
      reader += 1;
      return readOp(raw, client, target, reader - 1, reachable, workload.branches);
    });
    // A step where everyone wrote (nothing to read yet) or read (after a heal) leaves the turns to parity; any other turns them over.
    turns = (previous.length === 0 && !partitionStarts) || healed ? [] : ops.map((op) => op.f === 'query');
    if (partition === undefined) underPartition = [];
    steps.push(ops);
    previous = [...written];
  }
  return steps;
}

/** A raw fault schedule over a workload of this many steps, in the order the faults apply. */
function faultScheduleOf(faults: readonly RawFault[], stepCount: number, branches: BranchId[], aim?: PartitionAim): FaultStep[] {
  const schedule = faults.map((fault) => {
    const atStep = fault.atStep % stepCount;
    return { atStep, healAtStep: Math.min(atStep + fault.duration, stepCount), fault: normalizeFault(fault, branches, aim) };
  });
  schedule.sort((left, right) => left.atStep - right.atStep);
  return schedule;
}

/**
 * Jepsen's final reads: when a partition is still in force in the workload's last step, the runner's
 * heal at the end is what lets the replicas it cut off catch up, and nothing would read them after it.
 * The read-after-write workload then gets one more step, after that heal (its faults heal at the
 * boundary before it, `healAtStep` = the last step's index + 1, as they did at the end), in which every
 * client reads back a write made under the partition where it had cut it off: the same rule as the
 * step after a heal in the middle of the run. Its raw ops are the last ones drawn (each client's
 * branch shift and retries), so it costs no draw, and it comes on top of opsMax (at most one op a
 * client), as Jepsen's final generator runs after the workload's time limit.
 */
function withFinalReads(rawSteps: RawOp[][], schedule: readonly FaultStep[], clients: number): RawOp[][] {
  const last = rawSteps.length - 1;
  if (last < 0 || partitionAt(schedule, last) === undefined) return rawSteps;
  return [...rawSteps, rawSteps.flat().slice(-clients)];
}

/**
 * Where the read-after-write workload's partitions aim, from the system's declared serialization
 * points (Jepsen's `:primaries` target): this workload measures how far a replica's reads lag, and
 * only the direction from the branch that serializes writes to a replica carries replication. A
 * one-way cut the other way (a replica to the primary) leaves the primary's stream to the replica
 * open, so the replica keeps up and can never read stale: it tests write availability, which this
 * workload does not measure. So every one-way partition goes from a primary to the other branches.
 * And an isolate cuts off a replica, never a primary: while a primary is cut off nothing is
 * acknowledged, so nothing can be read stale, during the isolate or after it.
 */
function readAfterWriteAim(accounts: readonly string[], branches: BranchId[]): PartitionAim {
  const primaries = serializationPoints(accounts, branches);
  return { oneWayFrom: primaries, isolated: branches.filter((branch) => !primaries.includes(branch)) };
}

/** Turns a raw value into the workload and fault schedule of a plan. Pure and total. */
export function normalize(raw: RawPlan, constraints: PlanConstraints): { workload: Workload; faultSchedule: FaultStep[] } {
  const branches = branchIds(raw.branches);
  const accounts = raw.balances.map((balance, index) => ({ account: accountName(index), balance }));
  const base = { branches, accounts, clients: raw.clients };
  if ((constraints.workload ?? 'mixed') === 'read-after-write') {
    const rawSteps = denseRawSteps(raw, constraints);
    const faultSchedule = faultScheduleOf(raw.faults, rawSteps.length, branches, readAfterWriteAim(accounts.map((entry) => entry.account), branches));
    const steps = readAfterWriteSteps(withFinalReads(rawSteps, faultSchedule, raw.clients), base, faultSchedule);
    // The final read-back stays only if it is all reads (it is whenever anything was written under the partition).
    const readBack = steps.length > rawSteps.length && steps.at(-1)?.every((op) => op.f === 'query') === true;
    return { workload: { ...base, steps: readBack ? steps : steps.slice(0, rawSteps.length) }, faultSchedule };
  }
  const steps = rawStepsWithin(raw, constraints).map((ops, step) => ops.map((op, client) => normalizeOp(op, client, step, base)));
  return { workload: { ...base, steps }, faultSchedule: faultScheduleOf(raw.faults, steps.length, branches) };
}
