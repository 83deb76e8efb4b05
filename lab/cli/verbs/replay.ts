// `faultline replay <artifact-dir> [--times N]`: re-runs the recorded plan (no generation) with the
// recorded seeds, so the nodes and the embedded proxy draw what they drew in the original run, and says
// how many of the N replays reproduced the same violation kind.
import { integerFlag, parseFlags } from '../args.js';
import { dataError, exitCode, usageError } from '../exit.js';
import type { Verb } from '../verb.js';
import { systemReplay } from './system.js';
import { labFlags, labOptionSpecs, labUsage, limitsFrom, stallsFlag, stallsOptionSpec, stallsUsage } from '../lab-flags.js';
import { seedLine } from '../../plan/index.js';
import { holdsSystemRun, isArtifactError, readRecordedRun, summaryLine } from '../../report/index.js';
import type { RecordedRun, RunRandomness } from '../../report/index.js';
import { ClusterPool, runOnce } from '../../run/index.js';

/** Flags that shape a generated plan; replay runs a recorded one, so it refuses them. */
const planFlags = ['branches', 'branches-min', 'branches-max', 'ops', 'accounts', 'clients', 'contention', 'faults', 'workload'];

function reproduced(recorded: RecordedRun, violations: string[]): boolean {
  if (recorded.violations.length === 0) return violations.length === 0;
  return recorded.violations.some((kind) => violations.includes(kind));
}

function readRun(directory: string): RecordedRun {
  let recorded: RecordedRun;
  try {
    recorded = readRecordedRun(directory);
  } catch (error) {
    if (isArtifactError(error)) throw dataError(error.message);
    throw error;
  }
  return recorded;
}

export const verb: Verb = {
  summary: 're-run a recorded plan with its seeds: replay <artifact-dir> [--times N]',
  usage: `  replay <artifact-dir> [--times N]   (strategy, bug and mode default to the recorded ones; a simulated run\n                                      replayed with --mode real stops its nodes where the simulator stalled them)\n${stallsUsage}\n${labUsage}`,
  async run(argv) {
    const systemRun = argv.find((word) => !word.startsWith('-') && holdsSystemRun(word));
    if (systemRun !== undefined) return systemReplay(systemRun, argv);
    const args = parseFlags(argv, { ...labOptionSpecs, ...stallsOptionSpec, times: { type: 'string' } }, true);
    const [directory, ...extra] = args.positionals;
    if (directory === undefined || extra.length > 0) throw usageError('replay takes one artifact directory');
    const times = integerFlag(args, 'times', 1, 10_000) ?? 1;
    const generation = planFlags.find((name) => args.values[name] !== undefined);
    if (generation !== undefined) throw usageError(`replay runs the recorded plan: --${generation} does not apply (run --seed S --index K takes it)`);
    const recorded = readRun(directory);
    const flags = labFlags(args, { strategy: recorded.strategy, mode: recorded.mode });
    const bug = flags.bug ?? recorded.bug;
    // A failure the simulator found may have needed a node off the CPU: its real replay stops it there.
    const stalls = stallsFlag(args, flags.mode, recorded.mode === 'sim' ? 'sim' : 'none');
    if (stalls === 'sim') process.stderr.write('stalls: each node stops where the simulator\'s CPU stalled it in this plan (--stalls none to replay without)\n');
    const note = recorded.seedsRecorded ? '' : ' (no seeds.json: derived from the plan seed)';
    process.stderr.write(`${seedLine(recorded.seeds)}${note}\n`);
    const pool = new ClusterPool({ mode: flags.mode, stalls, strategy: flags.strategy, bug, proxy: flags.proxy, reuse: flags.reuse, announce: (line) => process.stderr.write(`${line}\n`) });
    const verdicts: string[] = [];
    let same = 0;
    const randomness: RunRandomness[] = [];
    try {
      for (let index = 0; index < times; index += 1) {
        const run = await runOnce(recorded.plan, recorded.seeds, { pool, limits: limitsFrom(flags), artifactsRoot: null, shrink: false });
        if (reproduced(recorded, run.violations)) same += 1;
        verdicts.push(run.verdict);
        randomness.push(run.randomness);
        if (!flags.json) process.stdout.write(`${summaryLine(run)}\n`);
      }
    } finally {
      await pool.close();
    }
    const expected = recorded.violations.length === 0 ? 'a pass' : `the violation (${recorded.violations.join(', ')})`;
    if (flags.json) process.stdout.write(`${JSON.stringify({ times, mode: flags.mode, reproduced: same, expected: recorded.violations, seeds: recorded.seeds, verdicts, randomness })}\n`);
    else process.stdout.write(`reproduced ${expected} in ${same} of ${times} replays (${((100 * same) / times).toFixed(0)} %)\n`);
    return replayExit(recorded, same, verdicts);
  },
};

/**
 * A recorded failure: 1 when it reproduced at least once; a recorded pass: 0 when every replay passed.
 * Otherwise a violation seen says 1, and replays that ran out of budget (unknown) say 2.
 */
function replayExit(recorded: RecordedRun, same: number, verdicts: readonly string[]): number {
  if (recorded.violations.length > 0 && same > 0) return exitCode.violation;
  if (recorded.violations.length === 0 && same === verdicts.length) return exitCode.ok;
  if (recorded.violations.length === 0 && verdicts.includes('illegal')) return exitCode.violation;
  return verdicts.includes('unknown') ? exitCode.unknown : exitCode.ok;
}
