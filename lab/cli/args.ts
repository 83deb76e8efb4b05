// Flag parsing shared by every verb: node's parseArgs in strict mode, with its errors turned into
// one-line usage errors (exit 64). Numbers and enums are checked here, not in each verb.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { usageError } from './exit.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** `--seed -5` means `--seed=-5`: parseArgs alone would take `-5` for a flag and refuse it. */
function joinNegativeValues(argv: string[], options: OptionSpecs): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const word = argv[index] as string;
    const next = argv[index + 1];
    const name = word.startsWith('--') && !word.includes('=') ? word.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${word}=${next}`);
      index += 1;
    } else {
      joined.push(word);
    }
  }
  return joined;
}

export function parseFlags(argv: string[], options: OptionSpecs, allowPositionals = false): ParsedArgs {
  try {
    const parsed = parseArgs({ args: joinNegativeValues(argv, options), options, strict: true, allowPositionals });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] ?? String(error) : String(error);
    throw usageError(message);
  }
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw usageError(`--${name} takes a value`);
  return value;
}

export function integerFlag(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text)) throw usageError(`--${name} takes a whole number, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw usageError(`--${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

export function choiceFlag<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const text = stringFlag(args, name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw usageError(`--${name} must be one of ${choices.join('|')}, got '${text}'`);
  }
  return text as T;
}

export function booleanFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
