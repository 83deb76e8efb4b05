// What each toxic type does to the chunks of one direction, after the real server's toxics/*.go:
// same attributes, same units, same order of events; every random choice goes through the stage's seeded PRNG.
import { performance } from 'node:perf_hooks';
import type { Pipe, Stage } from './stage.js';
import { attribute } from './toxic.js';
import type { Toxic, ToxicType } from './toxic.js';

/** Bandwidth sends a chunk bigger than 100 ms worth of rate in 100 ms pieces. */
const bandwidthIntervalMs = 100;

const noop: Pipe = async (stage) => {
  for (;;) {
    const taken = await stage.take();
    if (taken === 'interrupted' || taken === 'elapsed') return;
    if (taken === null) return stage.close();
    stage.emit(taken);
  }
};

const latency: Pipe = async (stage) => {
  for (;;) {
    const taken = await stage.take();
    if (taken === 'interrupted' || taken === 'elapsed') return;
    if (taken === null) return stage.close();
    const jitter = attribute(stage.toxic, 'jitter');
    const delay = attribute(stage.toxic, 'latency') + (jitter > 0 ? stage.random.jitter(jitter) : 0);
    const wait = delay - (performance.now() - taken.timestamp);
    // Interrupted: the chunk goes out at once, never dropped.
    if (!(await stage.sleep(wait))) return stage.emit(taken);
    taken.timestamp += wait;
    stage.emit(taken);
  }
};

const bandwidth: Pipe = async (stage) => {
  let owed = 0;
  for (;;) {
    const taken = await stage.take();
    if (taken === 'interrupted' || taken === 'elapsed') return;
    if (taken === null) return stage.close();
    const rate = attribute(stage.toxic, 'rate');
    owed = rate <= 0 ? 0 : owed + taken.data.length / rate;
    // A rate of 0 or less passes nothing until the toxic changes (the real server sends empty pieces forever).
    const pieceBytes = Math.max(0, rate * bandwidthIntervalMs);
    let rest = taken.data;
    while (rest.length > pieceBytes) {
      if (!(await stage.sleep(bandwidthIntervalMs))) return stage.emit({ data: rest, timestamp: taken.timestamp });
      if (pieceBytes > 0) stage.emit({ data: rest.subarray(0, pieceBytes), timestamp: taken.timestamp });
      rest = rest.subarray(pieceBytes);
      owed -= bandwidthIntervalMs;
    }
    const started = performance.now();
    if (!(await stage.sleep(owed))) return stage.emit({ data: rest, timestamp: taken.timestamp });
    owed -= performance.now() - started;
    stage.emit({ data: rest, timestamp: taken.timestamp });
  }
};

const slowClose: Pipe = async (stage) => {
  for (;;) {
    const taken = await stage.take();
    if (taken === 'interrupted' || taken === 'elapsed') return;
    if (taken === null) {
      if (await stage.sleep(attribute(stage.toxic, 'delay'))) stage.close();
      return;
    }
    stage.emit(taken);
  }
};

/** Swallows everything; closes after `timeout` ms without data (never when 0). */
const timeout: Pipe = async (stage) => {
  const timeoutMs = attribute(stage.toxic, 'timeout');
  for (;;) {
    const taken = await stage.take(timeoutMs > 0 ? timeoutMs : undefined);
    if (taken === 'interrupted') return;
    if (taken === null || taken === 'elapsed') return stage.close();
    stage.drop(taken.data.length);
  }
};

/** At the first data (or end), waits `timeout` ms and closes; the connection's linger 0 makes that an RST. */
const resetPeer: Pipe = async (stage) => {
  const taken = await stage.take();
  if (taken === 'interrupted' || taken === 'elapsed') return;
  if (taken !== null) stage.drop(taken.data.length);
  await stage.sleepThrough(attribute(stage.toxic, 'timeout'));
  stage.close();
};

const slicer: Pipe = async (stage) => {
  for (;;) {
    const taken = await stage.take();
    if (taken === 'interrupted' || taken === 'elapsed') return;
    if (taken === null) return stage.close();
    const points: number[] = [];
    slicePoints(stage, 0, taken.data.length, points);
    const delayMs = attribute(stage.toxic, 'delay') / 1000;
    for (let index = 1; index < points.length; index += 2) {
      const end = points[index] ?? taken.data.length;
      stage.emit({ data: taken.data.subarray(points[index - 1], end), timestamp: taken.timestamp });
      if (!(await stage.sleep(delayMs))) {
        if (end < taken.data.length) stage.emit({ data: taken.data.subarray(end), timestamp: taken.timestamp });
        return;
      }
    }
  }
};

/**
 * The real server's split: halve around the middle, moved by up to ±size_variation, until a piece is
 * within size_variation of average_size. Pieces stay at least one byte long: Go recurses forever or
 * panics when they do not, which takes the whole real server down.
 */
function slicePoints(stage: Stage, start: number, end: number, points: number[]): void {
  const averageSize = attribute(stage.toxic, 'average_size');
  const variation = attribute(stage.toxic, 'size_variation');
  if (end - start - averageSize <= variation || end - start <= 1) {
    points.push(start, end);
    return;
  }
  let middle = start + Math.floor((end - start) / 2);
  if (variation > 0) middle += stage.random.sliceShift(variation);
  middle = Math.min(end - 1, Math.max(start + 1, middle));
  slicePoints(stage, start, middle, points);
  slicePoints(stage, middle, end, points);
}

const limitData: Pipe = async (stage) => {
  const limitBytes = attribute(stage.toxic, 'bytes');
  let remaining = limitBytes - stage.bytesTransmitted;
  for (;;) {
    const taken = await stage.take();
    if (taken === 'interrupted' || taken === 'elapsed') return;
    if (taken === null) return stage.close();
    remaining = Math.max(0, remaining);
    let data = taken.data;
    if (remaining < data.length) {
      stage.drop(data.length - remaining);
      data = data.subarray(0, remaining);
    }
    if (data.length > 0) {
      stage.emit({ data, timestamp: taken.timestamp });
      stage.bytesTransmitted += data.length;
    }
    remaining = limitBytes - stage.bytesTransmitted;
    if (remaining <= 0) return stage.close();
  }
};

const pipes: Record<ToxicType, Pipe> = {
  noop,
  latency,
  bandwidth,
  slow_close: slowClose,
  timeout,
  reset_peer: resetPeer,
  slicer,
  limit_data: limitData,
};

/** The pipe a stage runs: the toxic's own when the toxicity roll applied it, else a plain pass. */
export function pipeOf(toxic: Toxic, applied: boolean): Pipe {
  return applied ? pipes[toxic.type] : noop;
}
