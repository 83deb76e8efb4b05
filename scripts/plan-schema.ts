// Writes docs/plan.schema.json from the plan's one schema (lab/plan/schema.ts). Run: `npm run schema`;
// lab/plan/schema.test.ts fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planJsonSchema } from '../lab/report/index.js';

writeFileSync(join(import.meta.dirname, '..', 'docs', 'plan.schema.json'), `${JSON.stringify(planJsonSchema(), null, 2)}\n`);
