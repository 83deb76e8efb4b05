// Node code reaches time, timers and randomness only through the Clock, the Transport and the seeds it
// is handed, so the simulator can run it unchanged. This reads the bank's node code and finds every
// ambient source (the runtime guard of lab/sim catches the ones a simulated run happens to call; this
// catches the rest). The process entry (node.ts) and the lab's own view of the bank (system.ts) choose
// the real clock and are the only files allowed to.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const bankRoom = join(import.meta.dirname, 'bank');
const processEntries = new Set(['node.ts', 'system.ts']);

const ambient: readonly { name: string; pattern: RegExp }[] = [
  { name: 'Date.now', pattern: /\bDate\.now\s*\(/ },
  { name: 'new Date()', pattern: /\bnew Date\s*\(\s*\)/ },
  { name: 'performance.now', pattern: /\bperformance\.(now|timeOrigin)\b/ },
  { name: 'Math.random', pattern: /\bMath\.random\s*\(/ },
  { name: 'a global timer', pattern: /(?<![.\w])(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/ },
  { name: "node:timers", pattern: /from\s+'node:timers/ },
  { name: 'crypto randomness', pattern: /\b(randomBytes|randomUUID|randomInt|getRandomValues)\b/ },
  { name: 'the real clock', pattern: /\brealClock\b/ },
];

/** The source without comments and string contents, so a comment may still name Date.now. */
function codeOnly(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/[^\n]*/g, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
}

function ambientUses(source: string): string[] {
  const code = codeOnly(source);
  return ambient.filter(({ pattern }) => pattern.test(code)).map(({ name }) => name);
}

function nodeCodeFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === '_testing' ? [] : nodeCodeFiles(path);
    const isSource = entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts');
    return isSource && !(directory === bankRoom && processEntries.has(entry.name)) ? [path] : [];
  });
}

describe('node code and ambient time', () => {
  it('finds each ambient source in code, and none in comments or strings', () => {
    expect(ambientUses('const t = Date.now();')).toEqual(['Date.now']);
    expect(ambientUses('setTimeout(() => done(), 5);')).toEqual(['a global timer']);
    expect(ambientUses('this.clock.after(() => done(), 5);')).toEqual([]);
    expect(ambientUses("import { realClock } from '../index.js';")).toEqual(['the real clock']);
    expect(ambientUses("// Date.now() is never called here\nconst s = 'Math.random()';")).toEqual([]);
  });

  it('the bank node code takes its clock and randomness from its runtime and seeds', () => {
    const files = nodeCodeFiles(bankRoom);
    expect(files.length).toBeGreaterThan(20);
    const found = files.flatMap((file) => ambientUses(readFileSync(file, 'utf8')).map((name) => `${relative(bankRoom, file)}: ${name}`));
    expect(found).toEqual([]);
  });
});
