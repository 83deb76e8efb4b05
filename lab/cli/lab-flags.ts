// Flags shared by the verbs that run plans (run, explore, replay, compare): strategy, proxy backend,
// planted bug, plan constraints and limits, parsed once and checked once.
import { choiceFlag, integerFlag, stringFlag } from './args.js';
import type { OptionSpecs, ParsedArgs } from './args.js';
import { usageError } from './exit.js';
import { bugs, contentions, defaultPlanConstraints, faultLevels, rootSeedMax, rootSeedMin, strategies } from '../plan/index.js';
import type { Bug, PlanConstraints, Strategy } from '../plan/index.js';
import type { ProxyBackendChoice } from '../proxy/index.js';
import { modeFromEnvironment, runModes } from '../run/index.js';
import type { RunMode } from '../run/index.js';

const proxyChoices = ['auto', 'external', 'binary', 'embedded'] as const;

export const labOptionSpecs: OptionSpecs = {
  mode: { type: 'string' },
  strategy: { type: 'string' },
  proxy: { type: 'string' },
  bug: { type: 'string' },
  branches: { type: 'string' },
  'branches-min': { type: 'string' },
  'branches-max': { type: 'string' },
  ops: { type: 'string' },
  accounts: { type: 'string' },
  clients: { type: 'string' },
  contention: { type: 'string' },
  faults: { type: 'string' },
  'deadline-ms': { type: 'string' },
  'checker-ms': { type: 'string' },
  artifacts: { type: 'string' },
  json: { type: 'boolean' },
  'no-shrink': { type: 'boolean' },
  'fresh-cluster': { type: 'boolean' },
  'keep-passing': { type: 'boolean' },
};

export interface LabFlags {
  /** --mode, else FAULTLINE_MODE, else real. */
  mode: RunMode;
  strategy: Strategy;
  proxy: ProxyBackendChoice;
  bug: Bug | undefined;
  constraints: PlanConstraints;
  deadlineMs: number | undefined;
  checkerMs: number | undefined;
  artifactsRoot: string;
  json: boolean;
  shrink: boolean;
  reuse: boolean;
  /** Keep the artifacts of passing runs too, not only of failures and unknowns. */
  keepPassing: boolean;
}

/** A root seed: any safe integer, negative included. */
export function seedFlag(args: ParsedArgs): number | undefined {
  return integerFlag(args, 'seed', rootSeedMin, rootSeedMax);
}

function constraintsFrom(args: ParsedArgs): PlanConstraints {
  const branches = integerFlag(args, 'branches', 2, 5);
  const constraints: PlanConstraints = {
    branchesMin: branches ?? integerFlag(args, 'branches-min', 2, 5) ?? defaultPlanConstraints.branchesMin,
    branchesMax: branches ?? integerFlag(args, 'branches-max', 2, 5) ?? defaultPlanConstraints.branchesMax,
    opsMax: integerFlag(args, 'ops', 1, 10_000) ?? defaultPlanConstraints.opsMax,
    accountsMax: integerFlag(args, 'accounts', 1, 16) ?? defaultPlanConstraints.accountsMax,
    clientsMax: integerFlag(args, 'clients', 1, 32) ?? defaultPlanConstraints.clientsMax,
    contention: choiceFlag(args, 'contention', contentions) ?? defaultPlanConstraints.contention,
    faults: choiceFlag(args, 'faults', faultLevels) ?? defaultPlanConstraints.faults,
  };
  if (constraints.branchesMin > constraints.branchesMax) throw usageError('--branches-min is above --branches-max');
  return constraints;
}

function environmentMode(): RunMode {
  const mode = modeFromEnvironment();
  if (mode === undefined) throw usageError(`FAULTLINE_MODE must be ${runModes.join(' or ')}, got '${process.env.FAULTLINE_MODE ?? ''}'`);
  return mode;
}

export function labFlags(args: ParsedArgs, defaults: { strategy?: Strategy } = {}): LabFlags {
  return {
    mode: choiceFlag(args, 'mode', runModes) ?? environmentMode(),
    strategy: choiceFlag(args, 'strategy', strategies) ?? defaults.strategy ?? 'lock-free',
    proxy: choiceFlag(args, 'proxy', proxyChoices) ?? 'auto',
    bug: choiceFlag(args, 'bug', bugs),
    constraints: constraintsFrom(args),
    deadlineMs: integerFlag(args, 'deadline-ms', 50, 60_000),
    checkerMs: integerFlag(args, 'checker-ms', 10, 3_600_000),
    artifactsRoot: stringFlag(args, 'artifacts') ?? 'artifacts',
    json: args.values.json === true,
    shrink: args.values['no-shrink'] !== true,
    reuse: args.values['fresh-cluster'] !== true,
    keepPassing: args.values['keep-passing'] === true,
  };
}

export function limitsFrom(flags: LabFlags): { deadlineMs?: number; checkerMsMax?: number } {
  return {
    ...(flags.deadlineMs === undefined ? {} : { deadlineMs: flags.deadlineMs }),
    ...(flags.checkerMs === undefined ? {} : { checkerMsMax: flags.checkerMs }),
  };
}

/** The shared flags, for `--help`. */
export const labUsage = [
  '  --mode real|sim                     real node processes behind Toxiproxy, or the same node code in the simulator (FAULTLINE_MODE)',
  '  --strategy unsafe|lock|lock-free   the strategy every node runs (default lock-free)',
  '  --proxy auto|external|binary|embedded  the Toxiproxy backend (auto: TOXIPROXY_URL, then .tools/bin, then embedded)',
  '  --bug no-dedup|ack-before-apply    a planted bug, passed to every node',
  '  --branches N | --branches-min N --branches-max N   cluster size, 2 to 5',
  '  --ops N  --accounts N  --clients N  plan limits (defaults 100, 4, 5)',
  '  --contention low|high  --faults none|light|heavy',
  '  --deadline-ms N  --checker-ms N     limits of each call and of the checker',
  '  --artifacts DIR                     where artifacts/<run-id> go (default artifacts)',
  '  --fresh-cluster                     a new cluster per run instead of a reset one',
  '  --keep-passing                      write artifacts for passing runs too (failures and unknowns always)',
  '  --no-shrink  --json',
].join('\n');
