// The toxic types of Toxiproxy 2.12 as data: each type's attributes (all whole numbers, in the real
// server's units) and the JSON a toxic shows through the API. How each type acts is in pipes.ts.

export const streams = ['upstream', 'downstream'] as const;
export type Stream = (typeof streams)[number];

/** Attribute names in the order the real server prints them; every one defaults to 0. */
export const toxicAttributeNames = {
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  slow_close: ['delay'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  slicer: ['average_size', 'size_variation', 'delay'],
  limit_data: ['bytes'],
  noop: [],
} as const satisfies Record<string, readonly string[]>;

export type ToxicType = keyof typeof toxicAttributeNames;

/** The Go struct each type decodes into, for error messages that match the real server's. */
export const toxicGoStruct: Record<ToxicType, string> = {
  latency: 'LatencyToxic',
  bandwidth: 'BandwidthToxic',
  slow_close: 'SlowCloseToxic',
  timeout: 'TimeoutToxic',
  reset_peer: 'ResetToxic',
  slicer: 'SlicerToxic',
  limit_data: 'LimitDataToxic',
  noop: 'NoopToxic',
};

export function isToxicType(text: string): text is ToxicType {
  return Object.hasOwn(toxicAttributeNames, text);
}

/** Go's stream.ParseDirection: case-insensitive. */
export function parseStream(text: string): Stream | undefined {
  const lower = text.toLowerCase();
  return streams.find((stream) => stream === lower);
}

/** One toxic of one proxy, shared by every connection's stage of it; updates change it in place. */
export interface Toxic {
  name: string;
  type: ToxicType;
  /** As the caller spelled it: the real server keeps "UPSTREAM" as given. */
  stream: string;
  direction: Stream;
  toxicity: number;
  attributes: Record<string, number>;
  /** How many toxics of this name the proxy name has had, for the seeded PRNG's key. */
  generation: number;
}

export interface ToxicJson {
  attributes: Record<string, number>;
  name: string;
  type: ToxicType;
  stream: string;
  toxicity: number;
}

export function toxicJson(toxic: Toxic): ToxicJson {
  const attributes: Record<string, number> = {};
  for (const name of toxicAttributeNames[toxic.type]) attributes[name] = toxic.attributes[name] ?? 0;
  return { attributes, name: toxic.name, type: toxic.type, stream: toxic.stream, toxicity: toxic.toxicity };
}

export function attribute(toxic: Toxic, name: string): number {
  return toxic.attributes[name] ?? 0;
}
