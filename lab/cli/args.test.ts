// Flag parsing: negative numbers are values, unknown flags are usage errors, ranges are checked.
import { describe, expect, it } from 'vitest';
import { integerFlag, parseFlags } from './args.js';
import { CliError } from './exit.js';

const options = { seed: { type: 'string' as const }, json: { type: 'boolean' as const } };

describe('parseFlags', () => {
  it('reads `--seed -5` as the value -5, as explore prints negative seeds', () => {
    const args = parseFlags(['--seed', '-1759153156', '--json'], options);
    expect(integerFlag(args, 'seed', -(2 ** 31), 2 ** 31 - 1)).toBe(-1759153156);
    expect(args.values.json).toBe(true);
  });

  it('turns an unknown flag into a usage error (exit 64)', () => {
    expect(() => parseFlags(['--sed', '5'], options)).toThrow(CliError);
    try {
      parseFlags(['--sed', '5'], options);
    } catch (error) {
      expect((error as CliError).exitCode).toBe(64);
    }
  });

  it('checks whole numbers and their range', () => {
    expect(() => integerFlag(parseFlags(['--seed', '1.5'], options), 'seed', 0, 10)).toThrow(/whole number/);
    expect(() => integerFlag(parseFlags(['--seed', '11'], options), 'seed', 0, 10)).toThrow(/from 0 to 10/);
  });
});
