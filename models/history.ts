// The history format of docs/history-format.md: one event a line, Jepsen's shape, and the bank's
// operation values. Shared by the recorder (lab/run), the checkers and `faultline check`.

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface HistoryEvent<Value = unknown> {
  index: number;
  process: number;
  type: EventType;
  f: string;
  value: Value;
  /** Monotonic nanoseconds since the run started. */
  time: number;
  /** Why an operation failed or is unknown (a gRPC status name, say). */
  error?: string;
  /** Where the event sits in the file it was read from (1-based); set by parseHistory, for errors. */
  line?: number;
}

export type History<Value = unknown> = HistoryEvent<Value>[];

// The bank's operations as they appear in `value`. An invoke carries the input fields; an ok
// completion repeats them and adds the output fields.
export interface DepositValue {
  account: string;
  amount: number;
  balance?: number;
}

export interface WithdrawValue {
  account: string;
  amount: number;
  applied?: boolean;
  balance?: number;
}

export interface QueryValue {
  account: string;
  balance?: number;
}

export interface TransferValue {
  from: string;
  to: string;
  amount: number;
  applied?: boolean;
  fromBalance?: number;
  toBalance?: number;
}

export type BankFunction = 'deposit' | 'withdraw' | 'query' | 'transfer';

/** One branch's state as its Snapshot RPC reports it after the run. */
export interface BranchState {
  branch: string;
  accounts: Record<string, { balance: number; version: number }>;
  /** How many times each (request id, account) was applied on this replica. */
  applied: { requestId: string; account: string; times: number }[];
  deadLetters: number;
  outbox: number;
}

/** The tool that wrote a history; it decides what `fail` and a nil read mean. */
export type HistoryFormat = 'jsonl' | 'edn' | 'porcupine-etcd' | 'porcupine-kv';

/** How a call ended: `open` means the history ends before any completion. */
export type Completion = 'ok' | 'fail' | 'info' | 'open';

export interface Call {
  process: number;
  f: string;
  /** The invoke's value (the operation's input). */
  invoke: unknown;
  completion: Completion;
  /** The completion's value; undefined while open. */
  value: unknown;
  error: string | undefined;
  /** The invoke's `index` field. */
  index: number;
  /** Source lines of the invoke and the completion, for errors. */
  line: number;
  completionLine: number | undefined;
  /** Positions of the invoke and of the completion among the events (real-time order). */
  call: number;
  return: number;
}
