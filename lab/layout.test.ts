// The import rules hold on the tree, and the check catches a planted deep import and a planted cycle.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { layoutProblems } from './_testing/layout.js';

const planted = mkdtempSync(join(tmpdir(), 'faultline-layout-'));

function plant(files: Record<string, string>): string {
  const root = mkdtempSync(join(planted, 'tree-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the layout', () => {
  afterAll(() => rmSync(planted, { recursive: true, force: true }));

  it('keeps its import rules: no deep import across folders, no cycle between folders', () => {
    expect(layoutProblems(resolve(import.meta.dirname, '..'))).toEqual([]);
  });

  it('finds a planted deep import, a planted helper import and a planted cycle', () => {
    const root = plant({
      'lab/plan/index.ts': "export * from './plan.js';\n",
      'lab/plan/plan.ts': 'export const x = 1;\n',
      'lab/run/index.ts': "export * from './runner.js';\n",
      'lab/run/runner.ts': "import { x } from '../plan/plan.js';\nimport { y } from '../report/index.js';\nimport { h } from '../plan/_testing/help.js';\nexport const r = x + y + h;\n",
      'lab/plan/_testing/help.ts': 'export const h = 1;\n',
      'lab/report/index.ts': "import { r } from '../run/index.js';\nexport const y = r;\n",
    });
    const problems = layoutProblems(root);
    expect(problems).toContain('lab/run/runner.ts: deep import of lab/plan/plan.ts (import lab/plan/index.ts instead)');
    expect(problems).toContain('lab/run/runner.ts: imports the test helper lab/plan/_testing/help.ts from code that ships');
    expect(problems.some((problem) => problem.startsWith('import cycle between folders: lab/report -> lab/run -> lab/report'))).toBe(true);
  });

  it('passes a tree that imports through index.ts', () => {
    const root = plant({
      'lab/plan/index.ts': "export * from './plan.js';\n",
      'lab/plan/plan.ts': 'export const x = 1;\n',
      'lab/run/runner.ts': "import { x } from '../plan/index.js';\nexport const r = x;\n",
    });
    expect(layoutProblems(root)).toEqual([]);
  });
});
