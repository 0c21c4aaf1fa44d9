import type { Dict, Payload } from '@interchange/protocol';

/** What one value costs beyond its content: a slot in its container, a heap header. */
const VALUE_OVERHEAD = 16;

/**
 * An estimate of the bytes a decoded value holds in memory, for bounds that count bytes
 * (retained events). It need not be exact, only proportional and cheap: strings count two bytes
 * a character (V8 may store one), numbers eight, byte arrays their length, containers the sum of
 * their members plus a fixed overhead each. Walked with an explicit stack, since a peer chooses
 * the nesting depth (JSON.parse has no depth limit) and recursion could overflow the call stack.
 */
export function valueSize(root: unknown): number {
  let size = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    size += VALUE_OVERHEAD;
    if (typeof value === 'string') size += value.length * 2;
    else if (value === null || typeof value !== 'object') continue;
    else if (value instanceof Uint8Array) size += value.byteLength;
    else if (Array.isArray(value)) for (const item of value) stack.push(item);
    else
      for (const key in value as Dict) {
        size += key.length * 2;
        stack.push((value as Dict)[key]);
      }
  }
  return size;
}

/** {@link valueSize} of a message payload: its arguments, keyword arguments and passthru bytes. */
export function payloadSize(payload: Payload): number {
  return valueSize(payload);
}
