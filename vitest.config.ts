// vitest runs the unit tests next to the code (`*.test.ts`) and the property suites in properties/.
// Suites start real processes, so files run two at a time on this 2-core machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['models/**/*.test.ts', 'lab/**/*.test.ts', 'properties/**/*.test.ts', 'proto/**/*.test.ts', 'scenarios/**/*.test.ts', 'examples/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
