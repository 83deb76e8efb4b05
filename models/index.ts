// The one public entry of models/: history formats, the models, the linearizability checker and the
// invariant checkers. Everything here is pure. Try it: `npx faultline check FILE --model bank`.
import type { HistoryFormat } from './calls.js';
import type { History } from './history.js';

export type { BankFunction, BranchState, DepositValue, EventType, History, HistoryEvent, QueryValue, TransferValue, WithdrawValue } from './history.js';
export { HistoryError, isHistoryError, ModelInputError } from './errors.js';
export { detectFormat, historyFormats, parseHistory } from './formats.js';
export type { FormatChoice } from './formats.js';
export { orderRules, pairCalls, timesMustRise, toOperations } from './calls.js';
export type { Call, Completion, HistoryFormat } from './calls.js';
export { combineVerdicts, noPartition, shallowEqual } from './model.js';
export type { AnyModel, Decoded, Model, Operation, StepResult, Verdict } from './model.js';
export { bankModel } from './bank.js';
export type { BankInput, BankOutput, BankState, InitialAccount } from './bank.js';
export { registerModel } from './register.js';
export type { RegisterConstraints, RegisterInput, RegisterOutput, RegisterValue } from './register.js';
export { kvModel } from './kv.js';
export type { KvConstraints, KvInput, KvOutput, KvState } from './kv.js';
export { multiRegisterModel } from './multi-register.js';
export type { MultiRegisterConstraints, MultiRegisterInput, MultiRegisterState } from './multi-register.js';
export { mutexModel } from './mutex.js';
export type { MutexInput, MutexOutput } from './mutex.js';
export {
  cacheEntriesMaxDefault, checkLinearizable, checkOperations, memoryBytesMaxDefault, openOperationsWarnCount, partitionOperations,
  resultFromOutcomes, searchPartition, timeoutMsDefault,
} from './checker.js';
export type { BlockedOperation, BudgetReport, CheckConstraints, LinearizabilityResult, LinearizationStep, OutcomeContext, Witness } from './checker.js';
export type { BudgetKind, SearchLimits, SearchOutcome, SearchProgress } from './search.js';
export { checkConservation, checkConvergence, checkExactlyOnce, checkNonNegative, detailsMax } from './invariants.js';
export type { InvariantKind, InvariantResult } from './invariants.js';

export const modelNames = ['bank', 'register', 'cas-register', 'kv', 'multi-register', 'mutex'] as const;
export type ModelName = (typeof modelNames)[number];

const bankFunctions = new Set(['deposit', 'withdraw', 'query', 'transfer']);
const kvFunctions = new Set(['get', 'put', 'append']);
const mutexFunctions = new Set(['acquire', 'release']);

/** The model a history most likely wants, from its format and its functions. */
export function inferModelName(format: HistoryFormat, history: History): ModelName {
  if (format === 'porcupine-etcd') return 'register';
  if (format === 'porcupine-kv') return 'kv';
  const functions = new Set(history.map((event) => event.f));
  const only = (allowed: Set<string>) => functions.size > 0 && [...functions].every((f) => allowed.has(f));
  if (functions.has('txn')) return 'multi-register';
  if (only(bankFunctions)) return 'bank';
  if (only(kvFunctions)) return 'kv';
  if (only(mutexFunctions)) return 'mutex';
  return format === 'edn' ? 'cas-register' : 'register';
}

/** Every account a bank history names, for a check that starts them all at 0. */
export function accountsOf(history: History): string[] {
  const accounts = new Set<string>();
  for (const event of history) {
    if (event.type !== 'invoke' || typeof event.value !== 'object' || event.value === null) continue;
    const value = event.value as Record<string, unknown>;
    for (const field of ['account', 'from', 'to']) {
      const account = value[field];
      if (typeof account === 'string') accounts.add(account);
    }
  }
  return [...accounts].sort();
}
export { checkKinds, judge, judgeDeadLetters, judgeInvariants, judgeLiveness, judgementOf, labFailureJudgement, resolveUnknowns } from './judge.js';
export type { CheckKind, CheckResult, Claims, JudgeInput, JudgeLimits, Judgement } from './judge.js';
export { assert, AssertionFailure, isAssertionFailure } from './assert.js';
export * from './history.js';
export * from './judge.js';
export { checkSessionGuarantees, sessionGuarantees } from './session.js';
export type { SessionGuarantee, SessionResult, SessionViolation } from './session.js';
export { checkSequential, checkSequentialOperations, sequentialSeenMaxDefault, sequentialStepsMaxDefault } from './sequential.js';
export type { SequentialLimits, SequentialResult } from './sequential.js';
export { measureStaleness } from './staleness.js';
export type { StaleRead, Staleness } from './staleness.js';
export { checkCounter } from './counter.js';
export type { CounterResult } from './counter.js';
export { consistencyOf, consistencyRungs, describeConsistency } from './consistency.js';
export type { ConsistencyReport, ConsistencyRung, RungEvidence } from './consistency.js';
