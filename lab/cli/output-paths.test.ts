// Unwritable output paths are refused before any work, in one line with exit 64: a path under a file,
// and a path under /proc (where a write can hang), for every verb that writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput } from './_testing/capture-output.js';
import { exitCode } from './exit.js';
import { main } from './main.js';

const output = captureOutput();
const scratch = mkdtempSync(join(tmpdir(), 'faultline-paths-'));
const file = join(scratch, 'a-file');
writeFileSync(file, 'not a directory\n');
const input = join(import.meta.dirname, '..', '..', 'scenarios', 'bank', '01-one-customer.input.json');

const cases: [string, string[]][] = [
  ['explore --artifacts', ['explore', '--runs', '1', '--artifacts', join(file, 'under')]],
  ['run --artifacts', ['run', '--seed', '1', '--artifacts', join(file, 'under')]],
  ['compare --out', ['compare', '--seeds', '1', '--out', join(file, 'under')]],
  ['bank -o', ['bank', input, '-o', join(file, 'under', 'out.json')]],
  ['node --data-dir', ['node', '--id', 'b1', '--listen', '127.0.0.1:0', '--strategy', 'lock', '--data-dir', join(file, 'under')]],
  ['explore --artifacts /proc', ['explore', '--runs', '1', '--artifacts', '/proc/faultline-artifacts']],
];

describe('unwritable output paths', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  for (const [name, argv] of cases) {
    it(`${name} under a file or a kernel tree: one line, exit 64, before any run`, async () => {
      expect(await main(argv)).toBe(exitCode.usage);
      expect(output.stderr.trim().split('\n')).toHaveLength(1);
      expect(output.stderr).toMatch(/cannot be written|is not a directory|does not write under \/proc/);
      // Nothing ran: a run would have printed its SEED= line first.
      expect(output.stderr).not.toContain('SEED=');
    });
  }
});

describe('setup errors before the first run', () => {
  it('--proxy external without TOXIPROXY_URL, or with one that is no URL, is exit 64 in one line', async () => {
    const saved = process.env.TOXIPROXY_URL;
    try {
      delete process.env.TOXIPROXY_URL;
      expect(await main(['run', '--seed', '1', '--proxy', 'external'])).toBe(exitCode.usage);
      expect(output.stderr).toMatch(/needs TOXIPROXY_URL/);
      process.env.TOXIPROXY_URL = 'not a url';
      expect(await main(['explore', '--runs', '1', '--proxy', 'external'])).toBe(exitCode.usage);
      expect(output.stderr).toMatch(/must be an http URL/);
      expect(output.stderr).not.toContain('SEED=');
    } finally {
      if (saved === undefined) delete process.env.TOXIPROXY_URL;
      else process.env.TOXIPROXY_URL = saved;
    }
  });
});
