// The command line's front door: every verb answers --help with its flags and exit 0, and an unknown
// verb or flag gets one line and the usage exit code.
import { describe, expect, it } from 'vitest';
import { captureOutput } from './_testing/capture-output.js';
import { exitCode } from './exit.js';
import { main } from './main.js';

const output = captureOutput();

const verbs = ['explore', 'run', 'replay', 'check', 'compare', 'node', 'bank', 'toxiproxy', 'dlq'];

describe('faultline <verb> --help', () => {
  for (const verb of verbs) {
    it(`${verb} lists its flags`, async () => {
      expect(await main([verb, '--help'])).toBe(exitCode.ok);
      expect(output.stdout).toMatch(/--[a-z]/);
      expect(output.stderr).toBe('');
    });
  }

  it('lists every verb with no verb, and refuses an unknown one in one line', async () => {
    expect(await main(['--help'])).toBe(exitCode.ok);
    for (const verb of verbs) expect(output.stdout).toContain(`  ${verb} `);
    expect(await main(['frobnicate'])).toBe(exitCode.usage);
    expect(output.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown flag of compare in one line, with the usage exit code', async () => {
    expect(await main(['compare', '--strategy', 'lock'])).toBe(exitCode.usage);
    expect(output.stderr.trim().split('\n')).toHaveLength(1);
  });
});
