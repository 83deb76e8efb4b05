// Exit codes of the command line contract (docs/cli.md) and the error type that carries one.
// A verb throws CliError for bad usage or bad data; main prints its one line and exits with its code.

export const exitCode = {
  ok: 0,
  violation: 1,
  unknown: 2,
  usage: 64,
  data: 65,
  internal: 70,
} as const;

export type ExitCode = (typeof exitCode)[keyof typeof exitCode];

export type CliErrorCode = 'usage' | 'data' | 'internal';

export class CliError extends Error {
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }

  get exitCode(): ExitCode {
    return exitCode[this.code];
  }
}

export function usageError(message: string): CliError {
  return new CliError('usage', message);
}

export function dataError(message: string): CliError {
  return new CliError('data', message);
}
