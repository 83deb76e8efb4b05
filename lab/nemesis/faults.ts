// Faults as plain data (kind, params, targets), for the planner to generate and the runner to apply
// and heal. Try: `const fault = { kind: 'isolate', params: { mode: 'disable' }, targets: { node: 'b2' } }`,
// then `await applyFault(fault, context)` and `await healFault(fault, context)`.
import type { BranchId, Endpoint, Link } from '../cluster/links.js';
import type { NemesisContext, NemesisRecord } from './context.js';
import { cutLinks, isolatedLinks, majorityMinorityLinks, oneWayLinks, restoreLinks, symmetricLinks } from './partitions.js';
import type { PartitionMode } from './partitions.js';
import { kill, pause, restart, resume } from './processes.js';
import { addLinkToxic, removeLinkToxic } from './toxics.js';
import type { FaultStream, LinkToxic } from './toxics.js';

type NoParams = Record<string, never>;

export interface ToxicFaultParams {
  stream?: FaultStream;
  toxicity?: number;
}

export interface LinkTargets {
  links: string[];
}

export type Fault =
  | { kind: 'partition'; params: { mode: PartitionMode }; targets: { groups: [Endpoint[], Endpoint[]] } }
  /** One-way, also called asymmetric: only the links from `from` to `to` are cut. */
  | { kind: 'one-way'; params: { mode: PartitionMode }; targets: { from: Endpoint[]; to: Endpoint[] } }
  | { kind: 'isolate'; params: { mode: PartitionMode }; targets: { node: BranchId } }
  | { kind: 'majority-minority'; params: { mode: PartitionMode }; targets: { minority: BranchId[] } }
  | { kind: 'latency'; params: ToxicFaultParams & { latencyMs: number; jitterMs: number }; targets: LinkTargets }
  | { kind: 'bandwidth'; params: ToxicFaultParams & { rateKBps: number }; targets: LinkTargets }
  | { kind: 'slicer'; params: ToxicFaultParams & { averageSizeBytes: number; sizeVariationBytes: number; delayUs: number }; targets: LinkTargets }
  | { kind: 'reset-peer'; params: ToxicFaultParams & { timeoutMs: number }; targets: LinkTargets }
  | { kind: 'timeout'; params: ToxicFaultParams & { timeoutMs: number }; targets: LinkTargets }
  | { kind: 'limit-data'; params: ToxicFaultParams & { bytes: number }; targets: LinkTargets }
  | { kind: 'slow-close'; params: ToxicFaultParams & { delayMs: number }; targets: LinkTargets }
  | { kind: 'kill'; params: NoParams; targets: { node: BranchId } }
  | { kind: 'pause'; params: NoParams; targets: { node: BranchId } };

export type FaultKind = Fault['kind'];
export type PartitionFault = Extract<Fault, { kind: 'partition' | 'one-way' | 'isolate' | 'majority-minority' }>;
export type ToxicFault = Extract<Fault, { targets: LinkTargets }>;

export function isPartitionFault(fault: Fault): fault is PartitionFault {
  return fault.kind === 'partition' || fault.kind === 'one-way' || fault.kind === 'isolate' || fault.kind === 'majority-minority';
}

export function isToxicFault(fault: Fault): fault is ToxicFault {
  return 'links' in fault.targets;
}

/** The links a partition cuts. */
export function partitionLinks(fault: PartitionFault, context: NemesisContext): Link[] {
  switch (fault.kind) {
    case 'partition':
      return symmetricLinks(context, fault.targets.groups[0], fault.targets.groups[1]);
    case 'one-way':
      return oneWayLinks(context, fault.targets.from, fault.targets.to);
    case 'isolate':
      return isolatedLinks(context, fault.targets.node);
    case 'majority-minority':
      return majorityMinorityLinks(context, fault.targets.minority);
  }
}

/** The Toxiproxy toxic a toxic fault adds, in the servers' attribute names and units. */
export function faultToxic(fault: ToxicFault): LinkToxic {
  switch (fault.kind) {
    case 'latency':
      return { type: 'latency', attributes: { latency: fault.params.latencyMs, jitter: fault.params.jitterMs } };
    case 'bandwidth':
      return { type: 'bandwidth', attributes: { rate: fault.params.rateKBps } };
    case 'slicer':
      return { type: 'slicer', attributes: { average_size: fault.params.averageSizeBytes, size_variation: fault.params.sizeVariationBytes, delay: fault.params.delayUs } };
    case 'reset-peer':
      return { type: 'reset_peer', attributes: { timeout: fault.params.timeoutMs } };
    case 'timeout':
      return { type: 'timeout', attributes: { timeout: fault.params.timeoutMs } };
    case 'limit-data':
      return { type: 'limit_data', attributes: { bytes: fault.params.bytes } };
    case 'slow-close':
      return { type: 'slow_close', attributes: { delay: fault.params.delayMs } };
  }
}

/**
 * A toxic's name from the fault itself (FNV-1a of its JSON), so two different faults of one kind can sit
 * on the same link, the same fault applied twice stays one toxic, and its heal finds it by name alone.
 */
export function faultToxicName(fault: ToxicFault): string {
  let hash = 0x811c9dc5;
  for (const character of JSON.stringify(fault)) {
    hash ^= character.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `faultline-${fault.kind}-${hash.toString(16).padStart(8, '0')}`;
}

export async function applyFault(fault: Fault, context: NemesisContext): Promise<NemesisRecord> {
  if (isPartitionFault(fault)) return cutLinks(context, partitionLinks(fault, context), fault.params.mode, describeFault(fault));
  if (isToxicFault(fault)) {
    const options = { name: faultToxicName(fault), ...fault.params };
    return { ...(await addLinkToxic(context, fault.targets.links, faultToxic(fault), options)), action: describeFault(fault) };
  }
  return fault.kind === 'kill' ? kill(context, fault.targets.node) : pause(context, fault.targets.node);
}

export async function healFault(fault: Fault, context: NemesisContext): Promise<NemesisRecord> {
  if (isPartitionFault(fault)) return restoreLinks(context, partitionLinks(fault, context), fault.params.mode, `heal ${describeFault(fault)}`);
  if (isToxicFault(fault)) {
    return { ...(await removeLinkToxic(context, fault.targets.links, faultToxicName(fault), fault.params.stream)), action: `heal ${describeFault(fault)}` };
  }
  return fault.kind === 'kill' ? restart(context, fault.targets.node) : resume(context, fault.targets.node);
}

/** One line that reads as a story: "isolate b2 (disable)", "latency 50±10 ms on b1-b2 (both)". */
export function describeFault(fault: Fault): string {
  const mode = 'mode' in fault.params ? ` (${fault.params.mode})` : '';
  const on = isToxicFault(fault) ? ` on ${fault.targets.links.join(',')} (${fault.params.stream ?? 'downstream'}${toxicityText(fault.params.toxicity)})` : '';
  switch (fault.kind) {
    case 'partition':
      return `partition ${fault.targets.groups[0].join(',')} | ${fault.targets.groups[1].join(',')}${mode}`;
    case 'one-way':
      return `partition one-way ${fault.targets.from.join(',')} -> ${fault.targets.to.join(',')}${mode}`;
    case 'isolate':
      return `isolate ${fault.targets.node}${mode}`;
    case 'majority-minority':
      return `split off minority ${fault.targets.minority.join(',')}${mode}`;
    case 'latency':
      return `latency ${fault.params.latencyMs}±${fault.params.jitterMs} ms${on}`;
    case 'bandwidth':
      return `bandwidth ${fault.params.rateKBps} KB/s${on}`;
    case 'slicer':
      return `slicer ${fault.params.averageSizeBytes}±${fault.params.sizeVariationBytes} B every ${fault.params.delayUs} µs${on}`;
    case 'reset-peer':
      return `reset_peer after ${fault.params.timeoutMs} ms${on}`;
    case 'timeout':
      return `timeout ${fault.params.timeoutMs} ms${on}`;
    case 'limit-data':
      return `limit_data ${fault.params.bytes} B${on}`;
    case 'slow-close':
      return `slow_close ${fault.params.delayMs} ms${on}`;
    case 'kill':
      return `kill -9 ${fault.targets.node}`;
    case 'pause':
      return `pause ${fault.targets.node}`;
  }
}

function toxicityText(toxicity: number | undefined): string {
  return toxicity === undefined || toxicity === 1 ? '' : `, toxicity ${toxicity}`;
}
