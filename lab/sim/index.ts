// lab/sim: the simulator. The bank's own node code in one process under a discrete-event loop, a
// simulated network, virtual clocks and simulated processes; everything else imports it from here.
export { SimClock, simEpochMs } from './clock.js';
export { defaultCpuModel, freeCpuModel, isFree, ProcessCpu } from './cpu.js';
export type { CpuModel, HeldStall, StallCount } from './cpu.js';
export { SimLimitError } from './limits.js';
export type { SimLimitName, SimLimits } from './limits.js';
export { SimCrashError, SimLoop, SimProcess, SimStallError } from './loop.js';
export type { LoopOptions, Schedule } from './loop.js';
export { firstDifference, Trace } from './trace.js';
export { SimWorld, streamsUpMsMax } from './world.js';
export type { WorldOptions } from './world.js';
export { SimNemesis } from './nemesis.js';
export { installGuard } from './guard.js';
export type { Guard, GuardReport } from './guard.js';
