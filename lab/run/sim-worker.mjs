// The entry of a simulator worker thread: loads the TypeScript sources through tsx, then the worker.
import { register } from 'tsx/esm/api';

register();
await import('./sim-worker.ts');
