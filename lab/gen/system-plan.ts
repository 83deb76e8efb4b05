// Plans for a system other than the bank: each client's ops from the workload's own arbitrary, sent one
// a step, and the bank's fault arbitrary over the system's node ids. `systemPlanFor(seed, path, ...)` is
// the plan fast-check reaches at that path, the same bytes on every machine. A workload may place an op on
// another node than its client's, knowing the faults in force at its step (SystemWorkload.place).
import fc from 'fast-check';
import { clusterLinks } from '../plan/index.js';
import type { Fault, FaultStep, SystemPlan, SystemPlanConstraints, SystemPlanOp } from '../plan/index.js';
import type { DrawnOp, System, SystemWorkload, WorkloadConstraints } from '../systems/index.js';
import { faultsMaxByLevel, normalizeFault, rawFault } from './arbitrary.js';
import type { RawFault } from './arbitrary.js';
import { valueAtPath } from './path.js';

/** A client's first node is its index plus this shift, so clients spread over the nodes. */
const nodeShiftMax = 7;

type ClientOps = { ops: DrawnOp[]; shift: number };

interface RawSystemPlan {
  clients: ClientOps[];
  faults: RawFault[];
}

/** The links a system's cluster has: a client link per node, and the pairs when nodes talk through the lab. */
export function systemLinks(system: Pick<System, 'peerLinks'>, nodes: readonly string[]): Set<string> {
  const links = clusterLinks(nodes).filter((link) => system.peerLinks === 'pair' || link.from === 'client');
  return new Set(links.map((link) => link.name));
}

export function workloadConstraintsOf(constraints: SystemPlanConstraints, nodes: number): WorkloadConstraints {
  return { nodes, clients: constraints.clientsMax, opsMax: constraints.opsMax, objectsMax: constraints.objectsMax, contention: constraints.contention };
}

/** A fault kept to the links that exist: a system without peer links has only its client links to cut. */
function withinLinks(fault: Fault, links: ReadonlySet<string>, nodes: readonly string[]): Fault {
  if (fault.kind === 'kill' || fault.kind === 'pause') return fault;
  const kept = fault.links.filter((link) => links.has(link));
  if (kept.length > 0) return { ...fault, links: kept };
  const node = fault.kind === 'partition' ? (fault.from[0] ?? nodes[0]) : nodes[0];
  return { ...fault, links: [`client-${node}`] };
}

/** Each client's ops in logical steps, one op a client a step, up to the plan's op budget. */
function drawnSteps(clients: readonly ClientOps[], opsMax: number): { client: number; shift: number; op: DrawnOp }[][] {
  const steps: { client: number; shift: number; op: DrawnOp }[][] = [];
  let total = 0;
  const longest = Math.max(...clients.map((client) => client.ops.length));
  for (let step = 0; step < longest && total < opsMax; step += 1) {
    const ops: { client: number; shift: number; op: DrawnOp }[] = [];
    for (const [client, { ops: clientOps, shift }] of clients.entries()) {
      const op = clientOps[step];
      if (op === undefined || total >= opsMax) continue;
      ops.push({ client, shift, op });
      total += 1;
    }
    if (ops.length > 0) steps.push(ops);
  }
  return steps;
}

function normalizeSystemPlan(raw: RawSystemPlan, system: System, workload: SystemWorkload, constraints: SystemPlanConstraints): Pick<SystemPlan, 'nodes' | 'clients' | 'steps' | 'faultSchedule'> {
  const nodes = system.nodeIds(constraints.nodes);
  const links = systemLinks(system, nodes);
  const drawn = drawnSteps(raw.clients, constraints.opsMax);
  const faultSchedule: FaultStep[] = raw.faults.map((fault) => {
    const atStep = fault.atStep % drawn.length;
    return { atStep, healAtStep: Math.min(atStep + fault.duration, drawn.length), fault: withinLinks(normalizeFault(fault, nodes), links, nodes) };
  });
  faultSchedule.sort((left, right) => left.atStep - right.atStep);
  // The workload may send an op elsewhere than its client's home node, knowing the faults of its step.
  const steps = drawn.map((ops, step) => {
    const faults = faultSchedule.filter((entry) => entry.atStep <= step && step < entry.healAtStep).map((entry) => entry.fault);
    return ops.map(({ client, shift, op }): SystemPlanOp => {
      const home = nodes[(client + shift) % nodes.length] as string;
      const node = workload.place?.(op, { client, home, nodes, faults }) ?? home;
      return { client, node, retries: 0, f: op.f, input: op.input };
    });
  });
  return { nodes, clients: raw.clients.length, steps, faultSchedule };
}

export interface SystemPlanRequest {
  system: System;
  /** How the plan names the system: etcd, or the user's module path as given. */
  systemName: string;
  workload: string;
  constraints: SystemPlanConstraints;
}

function workloadOf(request: SystemPlanRequest): SystemWorkload {
  const workload = request.system.workloads[request.workload];
  if (workload === undefined) throw new Error(`${request.systemName} has no workload '${request.workload}'`);
  return workload;
}

export function systemPlanArbitrary(seed: number, request: SystemPlanRequest): fc.Arbitrary<SystemPlan> {
  const { constraints, system } = request;
  const workload = workloadOf(request);
  const clientOps = workload.ops(workloadConstraintsOf(constraints, constraints.nodes));
  const raw = fc.record({
    clients: fc.array(fc.record({ ops: clientOps, shift: fc.nat({ max: nodeShiftMax }) }), { minLength: 1, maxLength: constraints.clientsMax, size: 'max' }),
    faults: fc.array(rawFault(constraints), { minLength: constraints.faults === 'heavy' ? 1 : 0, maxLength: faultsMaxByLevel[constraints.faults] }),
  });
  return raw.map((value) => ({
    version: 1 as const,
    kind: 'system' as const,
    system: request.systemName,
    workload: request.workload,
    seed,
    path: '',
    constraints,
    ...normalizeSystemPlan(value, system, workload, constraints),
  }));
}

/** The plan at (seed, path), as planFor gives the bank's; NoSuchPathError when the path does not exist. */
export function systemPlanFor(seed: number, path: string, request: SystemPlanRequest): SystemPlan {
  return valueAtPath(systemPlanArbitrary(seed, request), seed, path);
}
