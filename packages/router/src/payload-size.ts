import type { Payload } from '@interchange/protocol';

/** What one value costs beyond its content: a slot in its container, a heap header. */
const VALUE_OVERHEAD = 16;

/**
 * An estimate of the bytes a decoded value holds in memory, for bounds that count bytes
 * (retained events, pending calls). It need not be exact, only proportional and cheap: strings
 * count two bytes a character (V8 may store one), numbers eight, byte arrays their length,
 * containers the sum of their members plus a fixed overhead each. Walked with an explicit stack,
 * since a peer chooses the nesting depth (JSON.parse has no depth limit) and recursion could
 * overflow the call stack. The dealer sizes every CALL, so scalars in a container are counted
 * where they are met and the stack is made only for a nested container: a call's `[1]` costs no
 * allocation (docs/profiling.md).
 */
export function valueSize(root: unknown): number {
  let size = 0;
  let stack: object[] | undefined;
  let value: unknown = root;
  for (;;) {
    if (value === null || typeof value !== 'object') size += scalarSize(value);
    else {
      size += VALUE_OVERHEAD;
      // `length`, not `byteLength`: the same for bytes, and not a slow getter on Node 20.
      if (value instanceof Uint8Array) size += value.length;
      else if (Array.isArray(value)) {
        for (const item of value) {
          if (item !== null && typeof item === 'object') {
            stack ??= [];
            stack.push(item);
          } else size += scalarSize(item);
        }
      } else {
        for (const key in value) {
          size += key.length * 2;
          const item: unknown = (value as Record<string, unknown>)[key];
          if (item !== null && typeof item === 'object') {
            stack ??= [];
            stack.push(item);
          } else size += scalarSize(item);
        }
      }
    }
    if (stack === undefined || stack.length === 0) return size;
    value = stack.pop();
  }
}

/** {@link valueSize} of a string, number, boolean, `null` or `undefined`. */
function scalarSize(value: unknown): number {
  return typeof value === 'string' ? VALUE_OVERHEAD + value.length * 2 : VALUE_OVERHEAD;
}

/**
 * {@link valueSize} of a message payload: its arguments, keyword arguments and passthru bytes,
 * counted as members of one container (the same figure as `valueSize({ args, kwargs, payload })`).
 * Only those fields are read, so a whole message (a CALL with its options and procedure) can be
 * passed as it is.
 */
export function payloadSize(message: Payload): number {
  let size = VALUE_OVERHEAD;
  if (message.args !== undefined) size += memberSize('args', message.args);
  if (message.kwargs !== undefined) size += memberSize('kwargs', message.kwargs);
  if (message.payload !== undefined) size += memberSize('payload', message.payload);
  return size;
}

/** What a member of an object adds to the object's {@link valueSize}: its key and its value. */
function memberSize(key: string, value: unknown): number {
  return key.length * 2 + valueSize(value);
}
