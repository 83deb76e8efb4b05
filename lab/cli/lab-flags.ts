// Flags shared by the verbs that run plans (run, explore, replay, compare): strategy, proxy backend,
// planted bug, plan constraints and limits, parsed once and checked once.
import { defaultShrinkLimits } from '../run/index.js';
import type { ShrinkLimits } from '../run/index.js';
import { choiceFlag, integerFlag, stringFlag } from './args.js';
import type { OptionSpecs, ParsedArgs } from './args.js';
import { usageError } from './exit.js';
import { bankWorkloads, bugs, contentions, defaultPlanConstraints, faultLevels, isStrategy, rootSeedMax, rootSeedMin, strategies, strategyDeclaration } from '../plan/index.js';
import type { Bug, PlanConstraints, Strategy } from '../plan/index.js';
import type { ProxyBackendChoice } from '../proxy/index.js';
import { modeFromEnvironment, runModes, stallReplays } from '../run/index.js';
import type { StallReplay } from '../run/index.js';
import type { RunMode } from '../run/index.js';

const proxyChoices = ['auto', 'external', 'binary', 'embedded'] as const;

export const labOptionSpecs: OptionSpecs = {
  /** `bank` (the default) here; any other system goes to verbs/system.ts before these flags are parsed. */
  system: { type: 'string' },
  mode: { type: 'string' },
  strategy: { type: 'string' },
  reads: { type: 'string' },
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
  workload: { type: 'string' },
  'deadline-ms': { type: 'string' },
  'checker-ms': { type: 'string' },
  artifacts: { type: 'string' },
  json: { type: 'boolean' },
  'no-shrink': { type: 'boolean' },
  'fresh-cluster': { type: 'boolean' },
  'keep-passing': { type: 'boolean' },
  'shrink-runs': { type: 'string' },
  'shrink-seconds': { type: 'string' },
  report: { type: 'string' },
};

const reportChoices = ['always', 'failures'] as const;

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
  /** The shrink's budgets: runs and seconds (defaults in lab/run/shrink.ts). */
  shrinkLimits: ShrinkLimits;
  reuse: boolean;
  /** Keep the artifacts (report.html among them) of passing runs too, not only of failures and unknowns. */
  keepPassing: boolean;
}

/** A root seed: any safe integer, negative included. */
export function seedFlag(args: ParsedArgs): number | undefined {
  return integerFlag(args, 'seed', rootSeedMin, rootSeedMax);
}

/** The proxy backend; `external` needs a TOXIPROXY_URL that is a URL, checked before any run. */
function proxyFlag(args: ParsedArgs): ProxyBackendChoice {
  const choice = choiceFlag(args, 'proxy', proxyChoices) ?? 'embedded';
  if (choice !== 'external') return choice;
  const url = process.env.TOXIPROXY_URL;
  if (url === undefined || url === '') throw usageError('--proxy external needs TOXIPROXY_URL (for example http://127.0.0.1:8474)');
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw usageError(`--proxy external: TOXIPROXY_URL must be an http URL, got '${url}'`);
  return choice;
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
  // Only a shape other than the default is written into the plan, so mixed plans keep their bytes.
  const workload = choiceFlag(args, 'workload', bankWorkloads);
  if (workload !== undefined && workload !== 'mixed') constraints.workload = workload;
  if (constraints.branchesMin > constraints.branchesMax) throw usageError('--branches-min is above --branches-max');
  return constraints;
}

/** `--report always` keeps every run's artifacts and report; `--keep-passing` is its older name. */
function keepPassingFrom(args: ParsedArgs): boolean {
  const report = choiceFlag(args, 'report', reportChoices);
  if (report !== undefined && args.values['keep-passing'] === true && report === 'failures') throw usageError('--keep-passing and --report failures contradict each other');
  return report === 'always' || args.values['keep-passing'] === true;
}

function environmentMode(): RunMode {
  const mode = modeFromEnvironment();
  if (mode === undefined) throw usageError(`FAULTLINE_MODE must be ${runModes.join(' or ')}, got '${process.env.FAULTLINE_MODE ?? ''}'`);
  return mode;
}

const readChoices = ['point', 'local'] as const;

/** `--reads local` is the strategy's replica-read variant: `--strategy lock --reads local` runs `lock:reads=local`. */
function withReads(strategy: Strategy, reads: (typeof readChoices)[number] | undefined): Strategy {
  if (reads === undefined || strategyDeclaration(strategy).reads === reads) return strategy;
  const variant = `${strategy}:reads=${reads}`;
  if (reads === 'local' && isStrategy(variant)) return variant;
  throw usageError(`--reads ${reads} has no variant of ${strategy} (replica reads: ${strategies.filter((name) => strategyDeclaration(name).reads === 'local').join('|')})`);
}

export function labFlags(args: ParsedArgs, defaults: { strategy?: Strategy; mode?: RunMode } = {}): LabFlags {
  return {
    mode: choiceFlag(args, 'mode', runModes) ?? (process.env.FAULTLINE_MODE === undefined ? defaults.mode : undefined) ?? environmentMode(),
    strategy: withReads(choiceFlag(args, 'strategy', strategies) ?? defaults.strategy ?? 'lock-free', choiceFlag(args, 'reads', readChoices)),
    proxy: proxyFlag(args),
    bug: choiceFlag(args, 'bug', bugs),
    constraints: constraintsFrom(args),
    deadlineMs: integerFlag(args, 'deadline-ms', 50, 60_000),
    checkerMs: integerFlag(args, 'checker-ms', 10, 3_600_000),
    artifactsRoot: stringFlag(args, 'artifacts') ?? 'artifacts',
    json: args.values.json === true,
    shrink: args.values['no-shrink'] !== true,
    shrinkLimits: {
      ...defaultShrinkLimits,
      shrinkRunsMax: integerFlag(args, 'shrink-runs', 1, 100_000) ?? defaultShrinkLimits.shrinkRunsMax,
      shrinkMsMax: (integerFlag(args, 'shrink-seconds', 1, 86_400) ?? defaultShrinkLimits.shrinkMsMax / 1000) * 1000,
    },
    reuse: args.values['fresh-cluster'] !== true,
    keepPassing: keepPassingFrom(args),
  };
}

export function limitsFrom(flags: LabFlags): { deadlineMs?: number; checkerMsMax?: number } {
  return {
    ...(flags.deadlineMs === undefined ? {} : { deadlineMs: flags.deadlineMs }),
    ...(flags.checkerMs === undefined ? {} : { checkerMsMax: flags.checkerMs }),
  };
}

/** `--stalls sim|none` of run and replay (real mode only): by default `sim` when replaying a simulated failure for real, else none. */
export const stallsOptionSpec: OptionSpecs = { stalls: { type: 'string' } };
export const stallsUsage = "  --stalls sim|none                   (--mode real) sim: stop each node where the simulator's CPU stalled it in the same plan\n" +
  '                                      (SIGSTOP, then SIGCONT as long after), so a failure the simulator found under a stall replays';

export function stallsFlag(args: ParsedArgs, mode: RunMode, fallback: StallReplay = 'none'): StallReplay {
  const chosen = choiceFlag(args, 'stalls', stallReplays);
  if (chosen !== undefined && mode !== 'real') throw usageError('--stalls applies to --mode real (the simulator draws its own stalls)');
  return chosen ?? (mode === 'real' ? fallback : 'none');
}

/** The shared flags, for `--help`. */
export const labUsage = [
  '  --system etcd|bank|PATH             the system under test (default bank); see "Testing your own system" in the README',
  '  --mode real|sim                     real node processes behind Toxiproxy, or the same node code in the simulator (FAULTLINE_MODE)',
  `  --strategy NAME                     the strategy every node runs (default lock-free), one of ${strategies.join(', ')}`,
  '  --reads point|local                 local: the strategy\'s replica-read variant (lock and lock-free)',
  '  --proxy embedded|binary|external|auto  the Toxiproxy backend (default embedded, the seeded one; binary: the real',
  '                                      toxiproxy-server from .tools/bin; external: TOXIPROXY_URL; auto: the first of these)',
  '  --bug no-dedup|ack-before-apply|stale-cache   a planted bug, passed to every node',
  '  --branches N | --branches-min N --branches-max N   cluster size, 2 to 5',
  '  --ops N  --accounts N  --clients N  plan limits (defaults 100, 4, 5)',
  '  --contention low|high  --faults none|light|heavy',
  '  --workload mixed|read-after-write  the workload\'s shape: ops drawn one by one (default), or each step\'s write',
  '                                      read back at the other branches in the next step',
  '  --deadline-ms N  --checker-ms N     limits of each call and of the checker',
  '  --artifacts DIR                     where artifacts/<run-id> go (default artifacts)',
  '  --fresh-cluster                     a new cluster per run instead of a reset one',
  '  --report always|failures            write artifacts and report.html for passing runs too, or only for failures',
  '                                      and unknowns (the default; --keep-passing is the same as --report always)',
  '  --shrink-runs N  --shrink-seconds S  the shrink\'s budgets (defaults 100 runs, 120 s)',
  '  --no-shrink  --json',
].join('\n');
