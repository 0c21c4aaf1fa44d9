/** Base32 without the easily confused I, L, O and U (Crockford's alphabet). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A random authid for an anonymous session, as Crossbar gives one: six dash-separated groups
 * of four characters, e.g. `7QX2-K9MZ-0B4T-PRW3-HC8D-5NVJ` (120 random bits).
 *
 * Uses `globalThis.crypto`, so the router needs no `node:*` import.
 */
export function anonymousAuthid(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    // 256 is a multiple of 32: the low five bits are uniform.
    out += ALPHABET[(bytes[i] as number) & 31];
  }
  return out;
}
