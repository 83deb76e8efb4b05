// The committed TypeScript in proto/gen must be exactly what `npm run proto` makes of bank.proto.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

describe('proto/gen', () => {
  it('matches what buf and ts-proto generate from bank.proto', () => {
    const out = mkdtempSync(join(tmpdir(), 'faultline-proto-'));
    try {
      const buf = join(root, 'node_modules', '.bin', 'buf');
      execFileSync(buf, ['generate', 'proto', '--output', out], { cwd: root, stdio: 'pipe' });
      const fresh = readFileSync(join(out, 'proto', 'gen', 'bank.ts'), 'utf8');
      const committed = readFileSync(join(root, 'proto', 'gen', 'bank.ts'), 'utf8');
      expect(fresh === committed, 'proto/gen/bank.ts is stale: run npm run proto').toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
