// Shape checks for operations read from JSON (Model.decode): each names what is wrong, so a
// bad line of a recorded history says which field to fix.
import { HistoryError } from '../errors.ts';

export function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HistoryError(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function stringOf(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new HistoryError(`${what} must be a string`);
  return value;
}

/** A string, or null for "absent". */
export function nullableStringOf(value: unknown, what: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw new HistoryError(`${what} must be a string or null`);
  return value;
}

export function booleanOf(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new HistoryError(`${what} must be true or false`);
  return value;
}

export function unknownOperation(model: string, op: string, known: readonly string[]): HistoryError {
  return new HistoryError(`the ${model} model has no operation ${JSON.stringify(op)} (known: ${known.join(', ')})`);
}

/** A value for messages: strings quoted, null as `nil`, the way the describe* functions print them. */
export function show(value: string | number | null): string {
  return value === null ? 'nil' : JSON.stringify(value);
}
