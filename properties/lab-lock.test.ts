// Property: under `lock`, every seeded plan with faults of every kind is linearizable, conserves money,
// converges and applies each request exactly once. Seed: fixed in CI, random locally, FAULTLINE_SEED.
import { labProperty } from '../lab/vitest/index.js';
import { propertyConstraints, propertyLimits } from './_testing/support.js';

labProperty('lock: linearizable and conserving under faults', { strategy: 'lock', runs: 6, constraints: propertyConstraints, limits: propertyLimits });
