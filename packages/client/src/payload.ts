import { type Dict, InvalidArgumentError, type Payload } from '@interchange/protocol';
import { applyPassthru } from './passthru.js';
import { Result } from './result.js';

/** Positional and keyword arguments as application code sees them: never absent. */
export interface Arguments {
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/**
 * Checks application arguments before anything goes on the wire, so misuse fails at once with
 * `InvalidArgumentError` instead of as a router ERROR (or a serializer crash) later.
 */
export function checkArguments(what: string, args: unknown, kwargs: unknown): void {
  if (args !== undefined && !Array.isArray(args)) {
    throw new InvalidArgumentError(`${what}: args must be an array, got ${describe(args)}`);
  }
  if (kwargs !== undefined && !isPlainDict(kwargs)) {
    throw new InvalidArgumentError(`${what}: kwargs must be a plain object, got ${describe(kwargs)}`);
  }
}

/**
 * The wire form of a payload: `args` and `kwargs` are omitted when empty and never `null`
 * (docs/architecture.md, "Wire and compatibility contracts"); `args` is sent as `[]` only when `kwargs`
 * follows it, as the positional encoding of the spec requires.
 */
export function toWirePayload(
  args: readonly unknown[] | undefined,
  kwargs: Record<string, unknown> | undefined,
): Payload {
  const hasKwargs = kwargs !== undefined && Object.keys(kwargs).length > 0;
  if (hasKwargs) return { args: args === undefined ? [] : [...args], kwargs };
  if (args !== undefined && args.length > 0) return { args: [...args] };
  return {};
}

/**
 * Reads a received payload; absent parts become `[]` and `{}`. A passthru payload sent bare in
 * the args slot (as Autobahn|Python sends it) reads as `args: [payload]`, the form the spec
 * gives it, so an application finds it in one place.
 */
export function fromWirePayload(payload: Payload): Arguments {
  if (payload.payload !== undefined) return { args: [payload.payload], kwargs: {} };
  return { args: payload.args ?? [], kwargs: payload.kwargs ?? {} };
}

/** The payload and YIELD.Options of a procedure handler's answer. */
export interface YieldParts {
  payload: Payload;
  options: Dict;
  /** Whether the answer is in payload passthru mode. */
  passthru: boolean;
}

/**
 * Turns a procedure handler's return value into the YIELD payload: a {@link Result} gives its
 * args and kwargs (and passthru attributes), `undefined` gives no payload, any other value `v`
 * gives `args: [v]`.
 *
 * @throws InvalidArgumentError for a malformed `Result`.
 */
export function yieldPayload(value: unknown): YieldParts {
  if (value instanceof Result) {
    checkArguments('Result', value.args, value.kwargs);
    const options: Dict = {};
    const passthru =
      value.passthru !== undefined && applyPassthru('Result', value.passthru, value.args, value.kwargs, options);
    return { payload: toWirePayload(value.args, value.kwargs), options, passthru };
  }
  if (value === undefined) return { payload: {}, options: {}, passthru: false };
  return { payload: { args: [value] }, options: {}, passthru: false };
}

/** Whether an options argument is an object (a check that keeps the options' declared type). */
export function isOptionsObject(value: unknown): boolean {
  return isPlainDict(value);
}

/** Whether `value` is a dictionary: a non-null object that is not an array. */
export function isPlainDict(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
