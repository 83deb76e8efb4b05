// An account's state as the store, the strategies and propagation pass it around: plain records,
// kept apart from the store so the code that decides and checks updates need not import it.
export interface AccountRecord {
  account: string;
  balance: number;
  version: number;
}

/** One account's new state as decided at its serialization point (or, under unsafe, locally). */
export interface Update extends AccountRecord {
  delta: number;
}
