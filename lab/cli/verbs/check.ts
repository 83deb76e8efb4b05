// `faultline check FILE... | DIR`: checks recorded histories offline for linearizability against a
// model, in faultline's JSONL or the formats of Jepsen/Knossos and Porcupine. One file: its verdict
// explained. Many: one line a file and a summary, partitions and files checked on worker threads.
// Try it: `npx faultline check models/fixtures --recursive`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { checkSequential, checkSessionGuarantees, combineVerdicts, historyFormats, judgeInvariants, judgeLiveness, measureStaleness, modelNames, orderRules, resolveUnknowns, sessionGuarantees } from '../../../models/index.js';
import type { FormatChoice, History, HistoryFormat, LinearizabilityResult, ModelName, Verdict, Witness } from '../../../models/index.js';
import { booleanFlag, choiceFlag, integerFlag, parseFlags, stringFlag } from '../args.js';
import type { ParsedArgs } from '../args.js';
import { expandInputs, historyExtensions } from '../check-files.js';
import type { Input } from '../check-files.js';
import { decodeHistory, loadHistory } from '../check-load.js';
import { modelFromSpec } from '../check-model.js';
import { CheckPool, spreadOpsMin } from '../check-pool.js';
import type { Budget, PreparedFile } from '../check-pool.js';
import { CliError, dataError, exitCode, usageError } from '../exit.js';
import type { CheckResult, Claims } from '../../../models/index.js';
import type { FinalStatesFile } from '../../report/index.js';

const timeoutMsMax = 24 * 3_600_000;
const memoryMbMax = 1_048_576;
const jobsMax = 256;
const cacheEntriesMaxLimit = 2_000_000_000;
/** The default memory budget: this share of the free memory, split among the cores' searches. */
const freeMemoryShare = 0.5;
const memoryMbMin = 64;
const formatChoices: readonly FormatChoice[] = ['auto', ...historyFormats];

function defaultMemoryMb(): number {
  return Math.max(memoryMbMin, Math.floor((freemem() * freeMemoryShare) / availableParallelism() / 1024 / 1024));
}

function usageText(): string {
  const rules = historyFormats.map((format) => `  ${format.padEnd(15)} ${orderRules[format]}`).join('\n');
  return `usage: faultline check FILE... | DIR [--recursive] [--model ${modelNames.join('|')}]
       [--initial VALUE] [--format ${formatChoices.join('|')}] [--jobs N]
       [--timeout-ms N] [--memory-mb N] [--cache-entries-max N] [--json]
       [--consistency linearizable|sequential|session|eventual]

One file: its verdict, explained (--json: one JSON object). Several files or a folder (its
${historyExtensions.join(' ')} files; --recursive: its subfolders too): one line a file, then a summary
table (--json: one JSON object a line, the summary last). A bad file is reported and the rest checked.

--initial: bank '{"a1":100}' (default: plan.json beside FILE, else every account at 0);
           register and cas-register null or 0 (default null); kv a string (default "");
           multi-register '{"x":0}' (default: every register nil).
--jobs: threads at most that search partitions and files (default: the cores, ${availableParallelism()}).
        The check starts on one; a worker starts once a search or the batch has run long enough
        to pay for it, and takes the files from the end of the list. Every partition gets the
        whole budget, so verdicts never depend on --jobs.
--timeout-ms: time budget of each file (default: none).
--memory-mb: estimated memory the search of one partition may take (default: half the free memory
        shared among the cores, now ${defaultMemoryMb()}).
--cache-entries-max: a cap on one partition's cache entries (default: none; the memory budget rules).
When a budget runs out the verdict is unknown, saying which budget and how far the search got.
--consistency: the rung one bank history is judged for (default linearizable): sequential searches
        for one order that keeps each process's own order, real time aside; session checks
        read-your-writes, monotonic reads and writes and writes-follow-reads by the accounts'
        versions; eventual checks convergence from the final-states.json beside it; both print the
        staleness of the reads.

Event order in each format:
${rules}

Exit: the worst over all files: 70 internal error > 1 violation > 64 unreadable > 65 bad data
      > 2 unknown > 0 ok.`;
}

const options = {
  model: { type: 'string' },
  initial: { type: 'string' },
  format: { type: 'string' },
  jobs: { type: 'string' },
  recursive: { type: 'boolean', short: 'r' },
  'timeout-ms': { type: 'string' },
  'memory-mb': { type: 'string' },
  'cache-entries-max': { type: 'string' },
  json: { type: 'boolean' },
  consistency: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The rungs `--consistency` judges a bank history for; linearizable is the default search. */
const rungChoices = ['linearizable', 'sequential', 'session', 'eventual'] as const;
type Rung = (typeof rungChoices)[number];

interface Settings {
  model: ModelName | undefined;
  format: FormatChoice;
  initial: string | undefined;
  jobs: number;
  budget: Budget;
  json: boolean;
  consistency: Rung;
}

function readSettings(args: ParsedArgs): Settings {
  const timeoutMs = integerFlag(args, 'timeout-ms', 1, timeoutMsMax) ?? Infinity;
  const memoryMb = integerFlag(args, 'memory-mb', 1, memoryMbMax) ?? defaultMemoryMb();
  const cacheEntriesMax = integerFlag(args, 'cache-entries-max', 1, cacheEntriesMaxLimit) ?? Infinity;
  return {
    model: choiceFlag(args, 'model', modelNames),
    format: choiceFlag(args, 'format', formatChoices) ?? 'auto',
    initial: stringFlag(args, 'initial'),
    jobs: integerFlag(args, 'jobs', 1, jobsMax) ?? availableParallelism(),
    budget: { timeoutMs, memoryBytesMax: memoryMb * 1024 * 1024, cacheEntriesMax },
    json: booleanFlag(args, 'json'),
    consistency: choiceFlag(args, 'consistency', rungChoices) ?? 'linearizable',
  };
}

/** One file read, decoded and partitioned, ready for the pool. */
interface Loaded extends PreparedFile {
  file: string;
  modelName: ModelName;
  format: HistoryFormat;
  invariants: CheckResult[];
}

/** On the main thread: a bank history may bring its run's final states, which only this thread reads. */
async function load(file: string, settings: Settings): Promise<Loaded> {
  const { history, format, modelName, spec } = loadHistory(file, settings);
  const run = modelName === 'bank' ? await runBeside(file, history) : { history, invariants: [] };
  const { model, partitions } = decodeHistory(file, run.history, format, spec);
  return { file, modelName, format, spec, model, partitions, invariants: run.invariants };
}

/**
 * A run's artifacts keep every branch's final state beside the history; with them `check` judges the
 * invariants too, so it gives the run's whole verdict, and `info` ops that never applied anywhere are
 * resolved as the run did. Without them it judges linearizability alone. The lab's run modules load
 * only here, for bank histories: a check of any other model never pays for them.
 */
async function runBeside(file: string, history: History): Promise<{ history: History; invariants: CheckResult[] }> {
  // Loaded here, for bank histories only: a check of any other model never pays for them.
  const [{ finalStatesFileName }, { claimsOf, isStrategy }] = await Promise.all([import('../../report/index.js'), import('../../plan/index.js')]);
  const legacyClaims = (strategy: unknown): Claims | undefined => (typeof strategy === 'string' && isStrategy(strategy) ? claimsOf(strategy) : undefined);
  const saved = finalStatesBeside(join(dirname(file), finalStatesFileName), legacyClaims);
  if (saved === undefined) return { history, invariants: [] };
  const checks = judgeInvariants({ history, accounts: saved.accounts, finalStates: saved.states, claims: saved.claims });
  const invariants = saved.claims.liveness ? [...checks, judgeLiveness(saved.states, saved.quiescenceMs ?? 0)] : checks;
  return { history: resolveUnknowns(history, saved.states, saved.claims), invariants };
}

function finalStatesBeside(path: string, legacyClaims: (strategy: unknown) => Claims | undefined): FinalStatesFile | undefined {
  if (!existsSync(path)) return undefined;
  let saved: Partial<FinalStatesFile>;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<FinalStatesFile>;
  } catch {
    throw dataError(`${path} is not valid JSON`);
  }
  if (!Array.isArray(saved.states) || !Array.isArray(saved.accounts)) throw dataError(`${path} is not a faultline final-states file`);
  const claims = typeof saved.claims === 'object' && saved.claims !== null ? saved.claims : legacyClaims(saved.strategy);
  if (claims === undefined) throw dataError(`${path} declares no claims (and names no strategy that has them)`);
  return { ...(saved as FinalStatesFile), claims };
}


/** One file's answer: a verdict, or the error that kept it from one. */
type FileOutcome =
  | { file: string; modelName: ModelName; format: HistoryFormat; invariants: CheckResult[]; result: LinearizabilityResult; verdict: Verdict }
  | { file: string; error: CliError | Error };

function outcomeOf(file: string, modelName: ModelName, format: HistoryFormat, invariants: CheckResult[], result: LinearizabilityResult | Error): FileOutcome {
  if (result instanceof Error) return { file, error: result };
  const verdict = combineVerdicts([result.verdict, ...invariants.map((check) => check.verdict)]);
  return { file, modelName, format, invariants, result, verdict };
}

async function checkLoaded(pool: CheckPool, loaded: Loaded): Promise<FileOutcome> {
  return outcomeOf(loaded.file, loaded.modelName, loaded.format, loaded.invariants, await pool.check(loaded));
}

/** One file of many: read and checked in a worker; its partitions spread if it is large; a bank history here. */
async function checkInput(pool: CheckPool, input: Input, settings: Settings): Promise<FileOutcome> {
  const { file } = input;
  if (input.error !== undefined) return { file, error: input.error };
  const answer = await pool.checkFile(file, { model: settings.model, format: settings.format, initial: settings.initial });
  if (answer instanceof Error) return { file, error: answer };
  switch (answer.kind) {
    case 'error':
      return { file, error: new CliError(answer.code, answer.message) };
    case 'result':
      return outcomeOf(file, answer.modelName, answer.format, [], answer.result);
    case 'partitions': {
      const { modelName, format, spec, partitions } = answer;
      return checkLoaded(pool, { file, modelName, format, spec, model: modelFromSpec(spec), partitions, invariants: [] });
    }
    case 'main-thread':
      try {
        return await checkLoaded(pool, await load(file, settings));
      } catch (error) {
        return { file, error: error instanceof Error ? error : new Error(String(error)) };
      }
  }
}

function workersFor(settings: Settings, loaded: Loaded): number {
  const ops = loaded.partitions.reduce((sum, partition) => sum + partition.length, 0);
  return settings.jobs > 1 && loaded.partitions.length > 1 && ops >= spreadOpsMin ? Math.min(settings.jobs, loaded.partitions.length) : 1;
}

/**
 * How much bytecode V8 may inline into one optimized function, in all (V8's default is 920). check
 * spends a fifth of its CPU optimizing the search loop, which V8 compiles again after each
 * deoptimization (a new model, a value of a new type) and once more for on-stack replacement; with less
 * inlined, each compilation is smaller. Porcupine's 108 logs took 5.20-5.25 G instructions instead of
 * 5.73-5.75 G (valgrind, --jobs 1; 300: 5.30-5.33 G, 500: 5.50 G, 100: 5.42 G), and a long search ran
 * as fast (10.2 M steps of w16-timeouts8 in 1.29-1.48 s against 1.36-1.88 s).
 */
const inlinedBytecodeBytesMax = 150;

async function run(argv: string[]): Promise<number> {
  // An inlining heuristic, read at each optimization, so it takes effect though the VM has started (the
  // flags of V8 are the process's: the worker threads get it too). It changes no answer, only speed.
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${inlinedBytecodeBytesMax}`);
  const args = parseFlags(argv, options, true);
  if (booleanFlag(args, 'help')) {
    process.stdout.write(`${usageText()}\n`);
    return exitCode.ok;
  }
  if (args.positionals.length === 0) throw usageError(`expected a history file or a folder\n${usageText()}`);
  const settings = readSettings(args);
  const [only] = args.positionals;
  if (settings.consistency !== 'linearizable') {
    if (args.positionals.length !== 1 || only === undefined || isFolder(only)) throw usageError('--consistency judges one history file');
    return checkRung(only, settings.consistency, settings);
  }
  if (args.positionals.length === 1 && only !== undefined && !isFolder(only)) return checkOne(only, settings);
  return checkMany(args.positionals, booleanFlag(args, 'recursive'), settings);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** One file: errors end the command (exit 64 or 65); the verdict is explained, or one JSON object. */
async function checkOne(file: string, settings: Settings): Promise<number> {
  const loaded = await load(file, settings);
  const pool = new CheckPool(workersFor(settings, loaded), settings.budget);
  let outcome: FileOutcome;
  try {
    outcome = await checkLoaded(pool, loaded);
  } finally {
    await pool.close();
  }
  if ('error' in outcome) throw outcome.error;
  const { result, verdict, modelName, format, invariants } = outcome;
  if (settings.json) {
    const { ops, partitions, ms, reason, witness, warnings, cacheEntries, budget } = result;
    const summary = { verdict, linearizability: result.verdict, model: modelName, format, ops, partitions, ms, reason: reason ?? null, budget: budget ?? null, witness: witness ?? null, warnings, cacheEntries, invariants };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(`${explain(result, modelName, format)}\n`);
    for (const check of invariants) process.stdout.write(`${check.kind}: ${check.verdict === 'ok' ? 'ok' : `${check.verdict}: ${check.summary}`}\n`);
  }
  return exitOf(outcome);
}

/**
 * A bank history judged for a rung weaker than linearizable: `sequential` searches for one order that
 * keeps each process's own order (real time aside), `session` checks the four session
 * guarantees by the accounts' versions, `eventual` the replicas' convergence after the heal (from the
 * run's final states beside the history); either with the run's invariants where they are beside it.
 */
async function checkRung(file: string, rung: Exclude<Rung, 'linearizable'>, settings: Settings): Promise<number> {
  const { history, modelName, spec } = loadHistory(file, settings);
  if (modelName !== 'bank') throw usageError(`--consistency judges bank histories; ${file} reads as ${modelName}`);
  const beside = await runBeside(file, history);
  const checks: CheckResult[] = [...beside.invariants];
  if (rung === 'sequential') {
    const sequential = checkSequential(modelFromSpec(spec), beside.history);
    checks.unshift({ kind: 'sequential', verdict: sequential.verdict, summary: sequential.reason ?? `one order keeps every process's own order (${sequential.deepest} ops)`, details: sequential });
  } else if (rung === 'session') {
    const session = checkSessionGuarantees(history);
    const summary = session.violations.length === 0 ? `every session kept ${sessionGuarantees.join(', ')}` : session.violations.slice(0, 3).map((violation) => `${violation.guarantee}: ${violation.text}`).join('; ');
    checks.unshift({ kind: 'session-guarantees', verdict: session.verdict, summary, details: session });
  } else if (!checks.some((check) => check.kind === 'convergence')) {
    throw dataError(`${file}: --consistency eventual needs the run's final-states.json beside the history`);
  }
  const verdict = combineVerdicts(checks.map((check) => check.verdict));
  const staleness = measureStaleness(history);
  const { stale, ...figures } = staleness;
  if (settings.json) process.stdout.write(`${JSON.stringify({ verdict, consistency: rung, checks, staleness: { ...figures, staleReads: stale.length } })}\n`);
  else {
    for (const check of checks) process.stdout.write(`${check.kind}: ${check.verdict === 'ok' ? 'ok' : `${check.verdict}: ${check.summary}`}\n`);
    process.stdout.write(`staleness: ${stale.length} stale reads of ${staleness.reads}, p99 ${staleness.versionsBehind.p99} versions, ${staleness.msBehind.p99.toFixed(1)} ms\n`);
  }
  return verdict === 'ok' ? exitCode.ok : verdict === 'illegal' ? exitCode.violation : exitCode.unknown;
}

function exitOf(outcome: FileOutcome): number {
  if ('error' in outcome) return outcome.error instanceof CliError ? outcome.error.exitCode : exitCode.internal;
  return outcome.verdict === 'ok' ? exitCode.ok : outcome.verdict === 'illegal' ? exitCode.violation : exitCode.unknown;
}

/** Worse first: an internal error, a violation, an unreadable file, bad data, unknown, ok. */
const exitSeverity: readonly number[] = [exitCode.internal, exitCode.violation, exitCode.usage, exitCode.data, exitCode.unknown, exitCode.ok];

function worstExit(codes: readonly number[]): number {
  return exitSeverity.find((code) => codes.includes(code)) ?? exitCode.ok;
}

/** Many files: every file is checked and reported on its own line, in the order given; then the summary. */
async function checkMany(paths: readonly string[], recursive: boolean, settings: Settings): Promise<number> {
  const started = performance.now();
  const inputs = expandInputs(paths, recursive);
  // Up to --jobs threads; the pool starts workers as the work it measures asks for them.
  const pool = new CheckPool(settings.jobs, settings.budget);
  const pending = inputs.map((input) => checkInput(pool, input, settings));
  try {
    const outcomes: FileOutcome[] = [];
    for (const outcome of pending) {
      const settled = await outcome;
      outcomes.push(settled);
      process.stdout.write(`${settings.json ? JSON.stringify(fileJson(settled)) : fileLine(settled)}\n`);
    }
    return report(outcomes, performance.now() - started, settings.json);
  } finally {
    await pool.close();
  }
}

function fileJson(outcome: FileOutcome): object {
  if ('error' in outcome) return { file: outcome.file, verdict: 'error', exit: exitOf(outcome), error: outcome.error.message };
  const { result, verdict } = outcome;
  const { ops, partitions, ms, reason, budget, cacheEntries } = result;
  return { file: outcome.file, verdict, exit: exitOf(outcome), model: outcome.modelName, format: outcome.format, ops, partitions, ms, cacheEntries, reason: reason ?? null, budget: budget ?? null };
}

function fileLine(outcome: FileOutcome): string {
  if ('error' in outcome) {
    const message = outcome.error.message.startsWith(`${outcome.file}: `) ? outcome.error.message.slice(outcome.file.length + 2) : outcome.error.message;
    return `${'error'.padEnd(7)}  ${outcome.file}: ${outcome.error instanceof CliError ? message : `internal error: ${message}`}`;
  }
  const { result, verdict } = outcome;
  const scope = `${plural(result.ops, 'op')}, ${plural(result.partitions, 'partition')}, ${result.ms} ms, ${outcome.modelName}/${outcome.format}`;
  const failing = outcome.invariants.filter((check) => check.verdict !== 'ok').map((check) => `${check.kind}: ${check.summary}`);
  const why = [result.verdict === 'ok' ? undefined : result.reason, ...failing].filter((text) => text !== undefined);
  return `${verdict.padEnd(7)}  ${outcome.file}  (${scope})${why.length > 0 ? `: ${why.join('; ')}` : ''}`;
}

function report(outcomes: readonly FileOutcome[], ms: number, json: boolean): number {
  const count = (verdict: Verdict) => outcomes.filter((outcome) => 'verdict' in outcome && outcome.verdict === verdict).length;
  const summary = { files: outcomes.length, ok: count('ok'), illegal: count('illegal'), unknown: count('unknown'), errors: outcomes.filter((outcome) => 'error' in outcome).length, ms: Math.round(ms) };
  const exit = worstExit(outcomes.map(exitOf));
  if (json) {
    process.stdout.write(`${JSON.stringify({ summary: { ...summary, exit } })}\n`);
    return exit;
  }
  const header = ['files', 'ok', 'illegal', 'unknown', 'errors', 'total time'];
  const cells = [summary.files, summary.ok, summary.illegal, summary.unknown, summary.errors, `${summary.ms} ms`].map(String);
  const widths = header.map((title, column) => Math.max(title.length, (cells[column] as string).length));
  process.stdout.write(`\n${header.map((title, column) => title.padStart(widths[column] as number)).join('  ')}\n`);
  process.stdout.write(`${cells.map((cell, column) => cell.padStart(widths[column] as number)).join('  ')}\n`);
  return exit;
}

/** Indices and steps beyond these counts are elided from the human explanation (--json has them all). */
const indicesShownMax = 24;
const stepsShownMax = 30;

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function listIndices(indices: readonly number[]): string {
  const shown = indices.slice(0, indicesShownMax).join(', ');
  return indices.length > indicesShownMax ? `${shown}, ... (${indices.length - indicesShownMax} more)` : shown;
}

function explainCounterexample(witness: Extract<Witness, { kind: 'counterexample' }>, partitions: number): string[] {
  const lines = [`The smallest illegal partition found (${witness.partition + 1} of ${partitions}) has ${plural(witness.operations.length, 'op')}: ${listIndices(witness.operations)}.`];
  const steps = witness.longest;
  if (steps.length === 0) {
    lines.push(`From the initial state (${witness.initialState}) no op of it can go first.`);
  } else {
    lines.push(`From the initial state (${witness.initialState}), the longest legal order found covers ${steps.length} of them:`);
    if (steps.length > stepsShownMax) lines.push(`  ... (${steps.length - stepsShownMax} earlier ops)`);
    const shown = steps.slice(-stepsShownMax);
    const width = Math.max(0, ...shown.map((step) => step.operation.length));
    for (const step of shown) {
      lines.push(`  op ${String(step.index).padEnd(6)} process ${String(step.process).padEnd(4)} ${step.operation.padEnd(width)}   then ${step.state}`);
    }
  }
  if (witness.blocked !== undefined) {
    lines.push(`${steps.length === 0 ? 'So' : 'Then'} op ${witness.blocked.index} (process ${witness.blocked.process}, ${witness.blocked.operation}) has no legal point before it returns.`);
  }
  return lines;
}

/** A short human account of the verdict: what was checked, and for a violation, where it breaks. */
export function explain(result: LinearizabilityResult, model: string, format: string): string {
  const scope = `${plural(result.ops, 'op')} in ${plural(result.partitions, 'partition')}, ${result.ms} ms (model ${model}, format ${format})`;
  const lines = result.warnings.map((warning) => `warning: ${warning}`);
  if (result.verdict === 'ok') lines.push(`ok: linearizable; ${scope}.`);
  if (result.verdict === 'unknown') {
    lines.push(`unknown: no verdict within the budget; ${scope}.`, `  ${result.reason ?? ''}`, '  Raise --timeout-ms or --memory-mb, or check a shorter history.');
  }
  if (result.verdict === 'illegal') {
    lines.push(`illegal: not linearizable; ${scope}.`);
    if (result.witness?.kind === 'counterexample') lines.push(...explainCounterexample(result.witness, result.partitions));
  }
  return lines.join('\n');
}

// Typed where main.ts loads it, not here: importing main.ts's Verb type would pull every verb into
// the compiled build of check (tsconfig.build.json).
export const verb = { summary: 'check recorded histories offline: check FILE... | DIR', run };
