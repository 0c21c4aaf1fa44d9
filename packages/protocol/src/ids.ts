/**
 * WAMP IDs (spec: basic profile "IDs"): integers in 1..2^53, drawn from three scopes.
 * Global-scope IDs (sessions, publications) are random; router-scope IDs (subscriptions,
 * registrations) may be random or sequential; session-scope IDs (requests) are sequential.
 */

/** The largest WAMP ID, 2^53 (spec: "IDs"). Exactly representable as a JS number. */
export const MAX_ID = 2 ** 53;

const TWO_POW_32 = 2 ** 32;
const TWO_POW_21 = 2 ** 21;

/**
 * A random ID, uniform over 1..2^53, for global-scope IDs (session and publication IDs).
 *
 * Uses `globalThis.crypto.getRandomValues`, present in browsers, workers and Node 20, so this
 * module imports nothing from `node:*`.
 *
 * @example
 * const session = randomId();
 */
export function randomId(): number {
  const words = new Uint32Array(2);
  // 53 random bits give 0..2^53-1; adding 1 maps them onto 1..2^53 uniformly.
  globalThis.crypto.getRandomValues(words);
  const high = (words[0] as number) % TWO_POW_21; // 2^32 is a multiple of 2^21: still uniform
  return high * TWO_POW_32 + (words[1] as number) + 1;
}

/**
 * A generator of session-scope request IDs: 1, 2, 3, ... and back to 1 after 2^53
 * (spec: "IDs", session scope: "incremented by 1 ... wrap around").
 *
 * @param last The ID handed out before the first call (default 0, so the first ID is 1);
 *   lets a resumed session continue its sequence.
 * @example
 * const nextRequestId = createIdSequence();
 * nextRequestId(); // 1
 * nextRequestId(); // 2
 */
export function createIdSequence(last = 0): () => number {
  return () => {
    last = last >= MAX_ID ? 1 : last + 1;
    return last;
  };
}

/** Whether `x` is a valid WAMP ID: an integer in 1..2^53. */
export function isValidId(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= MAX_ID;
}
