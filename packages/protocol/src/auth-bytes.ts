/**
 * Byte helpers shared by the authentication methods: hex and UTF-8 codecs, XOR, random bytes and
 * a comparison whose time does not depend on where two values differ. Sans-IO and browser-safe:
 * randomness comes from `globalThis.crypto`, present in browsers, workers and Node 20.
 */
import { decodeBase64 } from './base64.js';

const encoder = new TextEncoder();
const HEX = '0123456789abcdef';

/** UTF-8 bytes of `text`. */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Lower-case hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX[byte >> 4] + (HEX[byte & 15] as string);
  return out;
}

/**
 * Bytes of a hex string (either case), or `undefined` when `text` is not hex of an even length.
 * Peers send hex in cryptosign and in configs; a bad value is a failed authentication, not a throw.
 */
export function hexToBytes(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes of a base64 string, or `undefined` when it is not base64 (WAMP-SCRAM sends base64). */
export function base64ToBytes(text: string): Uint8Array | undefined {
  try {
    return decodeBase64(text);
  } catch {
    return undefined;
  }
}

/** `length` cryptographically random bytes. */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  // getRandomValues takes at most 65536 bytes a call; auth never needs more than a few dozen.
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** Byte-wise XOR of two arrays of the same length. */
export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError(`xorBytes: lengths differ (${a.length} and ${b.length})`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/**
 * Whether two byte arrays are equal, in time that depends only on their lengths: comparing a
 * secret (ticket, signature, stored key) must not tell an attacker how many leading bytes matched.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** {@link constantTimeEqual} for strings, compared as UTF-8. */
export function constantTimeEqualStrings(a: string, b: string): boolean {
  return constantTimeEqual(utf8Bytes(a), utf8Bytes(b));
}
