// A bug in the lab is exit 70 with one line, never a usage (64) or data (65) error: here a planted
// bug in plan generation (planFor throws a TypeError) and a planted failed assertion.
import { describe, expect, it, vi } from 'vitest';
import { AssertionFailure } from '../../models/index.js';
import { captureOutput } from './_testing/capture-output.js';
import { exitCode } from './exit.js';

const output = captureOutput();
const planted = { error: new TypeError('planted: cannot read properties of undefined') as Error };

vi.mock('../gen/index.js', async (original) => ({
  ...(await original<typeof import('../gen/index.js')>()),
  planFor: () => {
    throw planted.error;
  },
}));

describe('an internal error', () => {
  it('exits 70, not 64, with one line and the command it ran', async () => {
    const { main } = await import('./main.js');
    expect(await main(['run', '--seed', '3', '--dry-run'])).toBe(exitCode.internal);
    expect(output.stderr.trim().split('\n')).toEqual(['faultline run: internal error: planted: cannot read properties of undefined']);
  });

  it('a failed assertion is a crash of the lab too: exit 70', async () => {
    planted.error = new AssertionFailure('a plan index is out of range');
    const { main } = await import('./main.js');
    expect(await main(['run', '--seed', '3', '--dry-run'])).toBe(exitCode.internal);
    expect(output.stderr).toContain('internal error: assertion failed: a plan index is out of range');
  });

  it('a path the seed does not have is still a usage error', async () => {
    const { main } = await import('./main.js');
    const { NoSuchPathError } = await import('../gen/index.js');
    planted.error = new NoSuchPathError("no plan at seed 1 path '0:99'");
    expect(await main(['run', '--seed', '3', '--path', '0:99', '--dry-run'])).toBe(exitCode.usage);
  });
});
