/**
 * WAMP IDs (spec: basic profile "IDs"): integers in 1..2^53, drawn from three scopes.
 * Global-scope IDs (sessions, publications) are random; router-scope IDs (subscriptions,
 * registrations) may be random or sequential; session-scope IDs (requests) are sequential.
 */

/** The largest WAMP ID, 2^53 (spec: "IDs"). Exactly representable as a JS number. */
export const MAX_ID = 2 ** 53;

const TWO_POW_32 = 2 ** 32;
/** The low 21 bits of a 32-bit word; 2^32 is a multiple of 2^21, so masking keeps it uniform. */
const LOW_21_BITS = 0x1f_ffff;

/**
 * 32-bit words drawn per call to the random source by default: 4 KiB, 512 IDs. One
 * `crypto.getRandomValues` call costs about as much as two hundred IDs handed out of a block, and
 * a router draws one per publication (spec: publication IDs are global scope, random).
 */
export const RANDOM_BLOCK_WORDS = 1024;

/** Fills `words` with random bits, as `crypto.getRandomValues` does. */
export type RandomFill = (words: Uint32Array) => void;

/** Options of {@link createRandomIdSource}. */
export interface RandomIdSourceOptions {
  /** The random bits; `globalThis.crypto.getRandomValues` (looked up on each refill) by default. */
  fill?: RandomFill;
  /**
   * Words drawn per refill: an even number from 2 to 16,384 (`getRandomValues` fills at most
   * 64 KiB at once); {@link RANDOM_BLOCK_WORDS} by default.
   */
  blockWords?: number;
}

const cryptoFill: RandomFill = (words) => {
  globalThis.crypto.getRandomValues(words);
};

/**
 * A source of random IDs, uniform over 1..2^53, that draws its random bits in blocks and hands
 * out two 32-bit words per ID. Each ID uses words no other ID used, so IDs stay independent and
 * uniform; only the cost of asking the platform for randomness is shared.
 *
 * Uses `globalThis.crypto.getRandomValues` by default, present in browsers, workers and Node 20,
 * so this module imports nothing from `node:*`.
 *
 * @throws RangeError when `blockWords` is not an even number from 2 to 16,384.
 * @example
 * const nextPublicationId = createRandomIdSource();
 * nextPublicationId(); // e.g. 4503599627370497
 */
export function createRandomIdSource(options: RandomIdSourceOptions = {}): () => number {
  const size = options.blockWords ?? RANDOM_BLOCK_WORDS;
  if (!Number.isInteger(size) || size < 2 || size > 16_384 || size % 2 !== 0) {
    throw new RangeError(`blockWords must be an even number from 2 to 16384, got ${size}`);
  }
  const fill = options.fill ?? cryptoFill;
  const words = new Uint32Array(size);
  // Start exhausted: the first ID draws the first block, so an unused source costs no entropy.
  let next = size;
  return () => {
    if (next === size) {
      fill(words);
      next = 0;
    }
    // 53 random bits give 0..2^53-1; adding 1 maps them onto 1..2^53 uniformly.
    const high = (words[next] as number) & LOW_21_BITS;
    const low = words[next + 1] as number;
    next += 2;
    return high * TWO_POW_32 + low + 1;
  };
}

/**
 * A random ID, uniform over 1..2^53, for global-scope IDs (session and publication IDs), from
 * one process-wide {@link createRandomIdSource}.
 *
 * @example
 * const session = randomId();
 */
export const randomId: () => number = /* @__PURE__ */ createRandomIdSource(); // pure: bundles that never draw an ID drop it

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
    last = nextSequenceId(last);
    return last;
  };
}

/**
 * The session-scope ID after `last`: `last + 1`, and 1 after 2^53 (spec: "IDs", session scope).
 * For holders that keep the last ID themselves instead of a {@link createIdSequence} closure.
 */
export function nextSequenceId(last: number): number {
  return last >= MAX_ID ? 1 : last + 1;
}

/** Whether `x` is a valid WAMP ID: an integer in 1..2^53. */
export function isValidId(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= MAX_ID;
}
