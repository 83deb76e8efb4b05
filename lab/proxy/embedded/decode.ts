// Reads request bodies the way the real server's Go encoding/json does: field names match case-
// insensitively, null leaves a field as it was, and a value of the wrong type is a 400 naming the field.
import { ApiError, badRequestBody } from './api-error.js';

export type JsonObject = Record<string, unknown>;

/** Parses a request body; an empty one is Go's "EOF". */
export function parseBody(text: string): unknown {
  if (text.trim().length === 0) throw ApiError.wrap(badRequestBody, 'EOF');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw ApiError.wrap(badRequestBody, `invalid JSON: ${reason}`);
  }
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function mismatch(value: unknown, where: string, goType: string): ApiError {
  return ApiError.wrap(badRequestBody, `json: cannot unmarshal ${jsonKind(value)} into ${where} of type ${goType}`);
}

/**
 * The body as an object, or Go's "cannot unmarshal array into Go value of type T"; a nested value names
 * its field instead: "into Go struct field ToxicWrapper.attributes of type T".
 */
export function expectObject(value: unknown, goType: string, where = 'Go value'): JsonObject {
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw mismatch(value, where, goType);
  return value as JsonObject;
}

export function expectArray(value: unknown, goType: string): unknown[] {
  if (value === null) return [];
  if (!Array.isArray(value)) throw mismatch(value, 'Go value', goType);
  return value;
}

/** A field by name: an exact match first, else the first case-insensitive one; null reads as absent. */
export function field(object: JsonObject, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name] ?? undefined;
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : (object[key] ?? undefined);
}

export function stringField(object: JsonObject, name: string, struct: string, fallback: string): string {
  const value = field(object, name);
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw mismatch(value, `Go struct field ${struct}.${name}`, 'string');
  return value;
}

export function booleanField(object: JsonObject, name: string, struct: string, fallback: boolean): boolean {
  const value = field(object, name);
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw mismatch(value, `Go struct field ${struct}.${name}`, 'bool');
  return value;
}

/** Go's int64: a number without a fraction. */
export function integerField(object: JsonObject, name: string, struct: string, fallback: number): number {
  const value = field(object, name);
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw mismatch(value, `Go struct field ${struct}.${name}`, 'int64');
  if (!Number.isSafeInteger(value)) {
    throw ApiError.wrap(badRequestBody, `json: cannot unmarshal number ${value} into Go struct field ${struct}.${name} of type int64`);
  }
  return value;
}

/** Go's float32, kept as the shortest decimal that reads back as the same float32 (0.3, not 0.30000001). */
export function float32Field(object: JsonObject, name: string, struct: string, fallback: number): number {
  const value = field(object, name);
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw mismatch(value, `Go struct field ${struct}.${name}`, 'float32');
  return shortestFloat32(value);
}

const float32DigitsMax = 9;

export function shortestFloat32(value: number): number {
  const single = Math.fround(value);
  for (let digits = 1; digits < float32DigitsMax; digits += 1) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return Number(single.toPrecision(float32DigitsMax));
}
