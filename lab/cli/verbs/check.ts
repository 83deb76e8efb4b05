// `faultline check FILE`: checks a recorded history offline for linearizability against a model,
// in faultline's JSONL or the formats of Jepsen/Knossos and Porcupine. Exit 0 ok, 1 illegal, 2 unknown.
// Try it: `npx faultline check models/fixtures/bank-lost-update-bad.jsonl`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  accountsOf, bankModel, checkLinearizable, detectFormat, historyFormats, inferModelName, isHistoryError, kvModel, modelNames,
  ModelInputError, multiRegisterModel, mutexModel, parseHistory, registerModel, timeoutMsDefault, cacheEntriesMaxDefault,
} from '../../../models/index.js';
import type { AnyModel, FormatChoice, History, HistoryFormat, InitialAccount, LinearizabilityResult, ModelName, RegisterValue, Witness } from '../../../models/index.js';
import { booleanFlag, choiceFlag, integerFlag, parseFlags, stringFlag } from '../args.js';
import { dataError, exitCode, usageError } from '../exit.js';
import type { Verb } from '../main.js';
import { finalStatesFileName } from '../../run/artifacts.js';
import type { FinalStatesFile } from '../../run/artifacts.js';
import { combine, judgeInvariants, judgeLiveness, resolveUnknowns } from '../../run/checks.js';
import type { CheckResult } from '../../run/checks.js';

const timeoutMsMax = 3_600_000;
const cacheEntriesMaxLimit = 50_000_000;
const formatChoices: readonly FormatChoice[] = ['auto', ...historyFormats];

const usage = `usage: faultline check FILE [--model ${modelNames.join('|')}] [--initial VALUE]
       [--format ${formatChoices.join('|')}] [--timeout-ms N] [--cache-entries-max N] [--json]

--initial: bank '{"a1":100}' (default: plan.json beside FILE, else every account at 0);
           register and cas-register null or 0 (default null); kv a string (default "");
           multi-register '{"x":0}' (default: every register nil).`;

const options = {
  model: { type: 'string' },
  initial: { type: 'string' },
  format: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'cache-entries-max': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw usageError(`${what} must be JSON, got '${text}'`);
  }
}

function bankInitial(initial: string | undefined, file: string, history: History): InitialAccount[] {
  if (initial !== undefined) {
    const balances = parseJson(initial, '--initial');
    if (typeof balances !== 'object' || balances === null || Array.isArray(balances)) throw usageError(`--initial for bank takes an object such as {"a1":100}`);
    return Object.entries(balances).map(([account, balance]) => {
      if (!Number.isSafeInteger(balance)) throw usageError(`--initial: the balance of ${account} must be an integer, got ${JSON.stringify(balance)}`);
      return { account, balance: balance as number };
    });
  }
  const planFile = join(dirname(file), 'plan.json');
  if (existsSync(planFile)) return planAccounts(planFile);
  return accountsOf(history).map((account) => ({ account, balance: 0 }));
}

function planAccounts(planFile: string): InitialAccount[] {
  let plan: unknown;
  try {
    plan = JSON.parse(readFileSync(planFile, 'utf8'));
  } catch (error) {
    throw dataError(`${planFile}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const accounts = (plan as { workload?: { accounts?: unknown } } | null)?.workload?.accounts;
  const valid = Array.isArray(accounts) && accounts.every((entry) => typeof entry?.account === 'string' && Number.isSafeInteger(entry?.balance));
  if (!valid) throw dataError(`${planFile}: workload.accounts must be a list of {account, balance}`);
  return (accounts as InitialAccount[]).map(({ account, balance }) => ({ account, balance }));
}

function registerInitial(initial: string | undefined): RegisterValue {
  if (initial === undefined) return null;
  const value = parseJson(initial, '--initial');
  if (value !== null && typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean') throw usageError('--initial for a register takes null, a number or a string');
  return value;
}

function kvInitial(initial: string | undefined): string {
  if (initial === undefined) return '';
  if (initial.startsWith('"')) {
    const value = parseJson(initial, '--initial');
    if (typeof value === 'string') return value;
  }
  return initial;
}

function multiRegisterInitial(initial: string | undefined): Record<string, RegisterValue> {
  if (initial === undefined) return {};
  const value = parseJson(initial, '--initial');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usageError(`--initial for multi-register takes an object such as {"x":0}`);
  return value as Record<string, RegisterValue>;
}

function buildModel(name: ModelName, initial: string | undefined, file: string, history: History): AnyModel {
  switch (name) {
    case 'bank':
      try {
        return bankModel(bankInitial(initial, file, history));
      } catch (error) {
        if (error instanceof ModelInputError) throw dataError(error.message);
        throw error;
      }
    case 'register':
    case 'cas-register':
      return registerModel({ initial: registerInitial(initial), name });
    case 'kv':
      return kvModel({ initial: kvInitial(initial) });
    case 'multi-register':
      return multiRegisterModel({ initial: multiRegisterInitial(initial) });
    case 'mutex':
      return mutexModel();
  }
}

function readHistory(file: string, format: FormatChoice): { history: History; format: HistoryFormat } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    const resolved = format === 'auto' ? detectFormat(text) : format;
    return { history: parseHistory(text, resolved), format: resolved };
  } catch (error) {
    if (isHistoryError(error)) throw dataError(`${file}: ${error.message}`);
    throw error;
  }
}

async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, options, true);
  if (booleanFlag(args, 'help')) {
    process.stdout.write(`${usage}\n`);
    return exitCode.ok;
  }
  if (args.positionals.length !== 1) throw usageError(`expected one history file, got ${args.positionals.length}\n${usage}`);
  const file = args.positionals[0] as string;
  const modelFlag = choiceFlag(args, 'model', modelNames);
  const formatFlag = choiceFlag(args, 'format', formatChoices) ?? 'auto';
  const timeoutMs = integerFlag(args, 'timeout-ms', 1, timeoutMsMax) ?? timeoutMsDefault;
  const cacheEntriesMax = integerFlag(args, 'cache-entries-max', 1, cacheEntriesMaxLimit) ?? cacheEntriesMaxDefault;
  const { history, format } = readHistory(file, formatFlag);
  const modelName = modelFlag ?? inferModelName(format, history);
  const model = buildModel(modelName, stringFlag(args, 'initial'), file, history);
  let result: LinearizabilityResult;
  try {
    result = checkLinearizable(model, modelName === 'bank' ? resolvedBeside(file, history) : history, { dialect: format, timeoutMs, cacheEntriesMax, now: () => performance.now() });
  } catch (error) {
    if (isHistoryError(error)) throw dataError(`${file}: ${error.message}`);
    throw error;
  }
  const invariants = modelName === 'bank' ? invariantsBeside(file, history) : [];
  const verdict = combine([result.verdict, ...invariants.map((check) => check.verdict)]);
  if (booleanFlag(args, 'json')) {
    const { ops, partitions, ms, reason, witness, warnings, cacheEntries } = result;
    const summary = { verdict, linearizability: result.verdict, model: modelName, format, ops, partitions, ms, reason: reason ?? null, witness: witness ?? null, warnings, cacheEntries, invariants };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    process.stdout.write(`${explain(result, modelName, format)}\n`);
    for (const check of invariants) process.stdout.write(`${check.kind}: ${check.verdict === 'ok' ? 'ok' : `${check.verdict}: ${check.summary}`}\n`);
  }
  return verdict === 'ok' ? exitCode.ok : verdict === 'illegal' ? exitCode.violation : exitCode.unknown;
}

/**
 * A run's artifacts keep every branch's final state beside the history; with them `check` judges the
 * invariants too, so it gives the run's whole verdict. Without them it judges linearizability alone.
 */
function invariantsBeside(file: string, history: History): CheckResult[] {
  const saved = finalStatesBeside(file);
  if (saved === undefined) return [];
  return [...judgeInvariants(history, saved.accounts, saved.states, saved.strategy), judgeLiveness(saved.states, saved.quiescenceMs ?? 0)];
}

/** With the run's final states, `info` ops that never applied anywhere are resolved as the run did. */
function resolvedBeside(file: string, history: History): History {
  const saved = finalStatesBeside(file);
  return saved === undefined ? history : resolveUnknowns(history, saved.states, saved.strategy);
}

function finalStatesBeside(file: string): FinalStatesFile | undefined {
  const path = join(dirname(file), finalStatesFileName);
  if (!existsSync(path)) return undefined;
  let saved: Partial<FinalStatesFile>;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as Partial<FinalStatesFile>;
  } catch {
    throw dataError(`${path} is not valid JSON`);
  }
  if (!Array.isArray(saved.states) || !Array.isArray(saved.accounts) || typeof saved.strategy !== 'string') {
    throw dataError(`${path} is not a faultline final-states file`);
  }
  return saved as FinalStatesFile;
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
    lines.push(`unknown: no verdict within the budget; ${scope}.`, `  ${result.reason ?? ''}`, '  Raise --timeout-ms or --cache-entries-max, or check a shorter history.');
  }
  if (result.verdict === 'illegal') {
    lines.push(`illegal: not linearizable; ${scope}.`);
    if (result.witness?.kind === 'counterexample') lines.push(...explainCounterexample(result.witness, result.partitions));
  }
  return lines.join('\n');
}

export const verb: Verb = { summary: 'check a recorded history offline: check <history-file>', run };
