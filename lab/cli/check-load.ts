// Reads one history for `faultline check` and decodes it for its model: the initial values (--initial,
// plan.json beside a bank history), the model as data (ModelSpec), and the partitions to search. Used
// on the main thread and in the worker threads alike.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { accountsOf, inferModelName, isHistoryError, ModelInputError, pairCalls, partitionOperations, toOperations } from '../../models/index.js';
import type { AnyModel, FormatChoice, History, HistoryFormat, InitialAccount, ModelName, Operation, RegisterValue } from '../../models/index.js';
import { readHistoryFile } from './check-files.js';
import { modelFromSpec } from './check-model.js';
import type { ModelSpec } from './check-model.js';
import { dataError, usageError } from './exit.js';

export interface LoadSettings {
  model: ModelName | undefined;
  format: FormatChoice;
  initial: string | undefined;
}

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

export function specFor(name: ModelName, initial: string | undefined, file: string, history: History): ModelSpec {
  switch (name) {
    case 'bank':
      return { name, accounts: bankInitial(initial, file, history) };
    case 'register':
    case 'cas-register':
      return { name, initial: registerInitial(initial) };
    case 'kv':
      return { name, initial: kvInitial(initial) };
    case 'multi-register':
      return { name, initial: multiRegisterInitial(initial) };
    case 'mutex':
      return { name };
  }
}

export interface LoadedHistory {
  file: string;
  history: History;
  format: HistoryFormat;
  modelName: ModelName;
  spec: ModelSpec;
}

/** Reads, detects the format, infers the model and resolves its initial values; throws CliError. */
export function loadHistory(file: string, settings: LoadSettings): LoadedHistory {
  const { history, format } = readHistoryFile(file, settings.format);
  const modelName = settings.model ?? inferModelName(format, history);
  return { file, history, format, modelName, spec: specFor(modelName, settings.initial, file, history) };
}

/** The model's operations, partitioned smallest first; a malformed history throws CliError (65). */
export function decodeHistory(file: string, history: History, format: HistoryFormat, spec: ModelSpec): { model: AnyModel; partitions: Operation[][] } {
  try {
    const model = modelFromSpec(spec);
    return { model, partitions: partitionOperations(model, toOperations(model, pairCalls(history, format), format)) };
  } catch (error) {
    if (isHistoryError(error) || error instanceof ModelInputError) throw dataError(`${file}: ${error.message}`);
    throw error;
  }
}
