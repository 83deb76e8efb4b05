// The committed TypeScript in proto/gen must be exactly what `npm run proto` makes of bank.proto and
// of etcd's protos (generated with their own template: 64-bit ids as strings).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const buf = join(root, 'node_modules', '.bin', 'buf');

function generatedMatches(files: readonly string[], options: readonly string[]): void {
  const out = mkdtempSync(join(tmpdir(), 'faultline-proto-'));
  try {
    execFileSync(buf, ['generate', 'proto', '--output', out, ...options], { cwd: root, stdio: 'pipe' });
    for (const file of files) {
      const fresh = readFileSync(join(out, 'proto', 'gen', file), 'utf8');
      const committed = readFileSync(join(root, 'proto', 'gen', file), 'utf8');
      expect(fresh === committed, `proto/gen/${file} is stale: run npm run proto`).toBe(true);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe('proto/gen', () => {
  it('matches what buf and ts-proto generate from bank.proto', () => {
    generatedMatches(['bank.ts'], ['--exclude-path', 'proto/etcd']);
  });

  it("matches what buf and ts-proto generate from etcd's protos", () => {
    generatedMatches(['etcd/rpc.ts', 'etcd/v3lock.ts'], ['--template', 'buf.gen.etcd.yaml', '--path', 'proto/etcd']);
  });
});
