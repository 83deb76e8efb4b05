// The one error the history readers and the model decoders throw: bad input data, with the 1-based
// line it came from. Callers switch on `code` (the command line turns it into exit 65).

export class HistoryError extends Error {
  readonly code = 'bad-history' as const;
  readonly line: number;
  readonly detail: string;

  constructor(line: number, detail: string) {
    super(`line ${line}: ${detail}`);
    this.name = 'HistoryError';
    this.line = line;
    this.detail = detail;
  }
}

export function isHistoryError(error: unknown): error is HistoryError {
  return error instanceof HistoryError;
}

/** A model was given initial values it cannot hold (an account listed twice, a balance not an integer). */
export class ModelInputError extends Error {
  readonly code = 'bad-model-input' as const;

  constructor(message: string) {
    super(message);
    this.name = 'ModelInputError';
  }
}
