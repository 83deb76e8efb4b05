// Finds the system a verb names: a system faultline ships (etcd, bank) by name, or a user's module by
// path (`--system ./my-system.ts`), whose `system` (or default) export must implement the System
// contract. A missing file is a usage error; a module that does not implement the contract is bad data.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bankSystem } from '../systems/bank/index.js';
import { etcdSystem } from '../systems/etcd/index.js';
import type { System } from '../systems/index.js';

export const builtInSystems: Readonly<Record<string, System>> = { bank: bankSystem, etcd: etcdSystem };

export class SystemModuleError extends Error {
  constructor(readonly code: 'usage' | 'data', message: string) {
    super(message);
  }
}

export function isSystemModuleError(error: unknown): error is SystemModuleError {
  return error instanceof SystemModuleError;
}

/** A name without a slash or a file extension names a shipped system; anything else is a path. */
export function isSystemPath(name: string): boolean {
  return /[/\\]/.test(name) || /\.(ts|mts|js|mjs)$/.test(name);
}

const requiredMembers: Record<string, 'string' | 'function' | 'object' | 'number'> = {
  name: 'string', nodeIds: 'function', peerLinks: 'string', launch: 'function', readiness: 'object',
  stopGraceMs: 'number', workloads: 'object', client: 'function', finalStates: 'function', converged: 'function',
};

/** What the value lacks of the System contract, one phrase each (none for a System). */
export function systemProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return ['no `system` or default export that is an object'];
  const record = value as Record<string, unknown>;
  const problems = Object.entries(requiredMembers).filter(([key, type]) => typeof record[key] !== type || record[key] === null).map(([key, type]) => `${key} (${type})`);
  const wrong = problems.length > 0 ? [`missing or wrong: ${problems.join(', ')}`] : [];
  if (record['peerLinks'] !== undefined && record['peerLinks'] !== 'none' && record['peerLinks'] !== 'pair') wrong.push("peerLinks must be 'none' or 'pair'");
  const readiness = record['readiness'] as { kind?: unknown } | undefined;
  if (readiness !== undefined && readiness !== null && readiness.kind !== 'grpc-health' && readiness.kind !== 'probe') wrong.push("readiness.kind must be 'grpc-health' or 'probe'");
  const workloads = record['workloads'];
  if (typeof workloads === 'object' && workloads !== null) {
    for (const [name, workload] of Object.entries(workloads)) {
      const shaped = typeof workload === 'object' && workload !== null && typeof (workload as Record<string, unknown>)['ops'] === 'function' && typeof (workload as Record<string, unknown>)['model'] === 'function' && typeof (workload as Record<string, unknown>)['claims'] === 'object';
      if (!shaped) wrong.push(`workload '${name}' needs ops(), model() and claims`);
    }
    if (Object.keys(workloads).length === 0) wrong.push('workloads is empty');
  }
  return wrong;
}

export async function loadSystem(name: string): Promise<System> {
  if (!isSystemPath(name)) {
    const system = builtInSystems[name];
    if (system === undefined) throw new SystemModuleError('usage', `--system must be ${Object.keys(builtInSystems).join(', ')} or a module path, got '${name}'`);
    return system;
  }
  const path = resolve(name);
  if (!existsSync(path)) throw new SystemModuleError('usage', `--system ${name}: no such file`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new SystemModuleError('data', `--system ${name}: the module does not load: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  const candidate = module['system'] ?? module['default'];
  const problems = systemProblems(candidate);
  if (problems.length > 0) throw new SystemModuleError('data', `--system ${name} does not export a System: ${problems.join('; ')}`);
  return candidate as System;
}

/** The workload a verb names, or the usage error that lists the system's workloads. */
export function workloadNamed(system: System, label: string, workload: string | undefined): string {
  const names = Object.keys(system.workloads);
  const chosen = workload ?? names[0];
  if (chosen === undefined || system.workloads[chosen] === undefined) throw new SystemModuleError('usage', `--workload must be one of ${names.join(', ')} for ${label}, got '${workload ?? ''}'`);
  return chosen;
}
