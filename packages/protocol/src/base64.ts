/**
 * Base64 for the JSON serializer's binary convention, written here because the protocol package
 * runs in browsers (no `Buffer`) and `btoa`/`atob` work on binary strings, which would need an
 * extra copy per byte.
 */
import { ProtocolViolationError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
// Accept the URL-safe alphabet too: some peers produce it, and it is unambiguous.
DECODE['-'.charCodeAt(0)] = 62;
DECODE['_'.charCodeAt(0)] = 63;

/** Standard base64 with padding (RFC 4648 section 4). */
export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += `${ALPHABET[v >> 18]}${ALPHABET[(v >> 12) & 63]}${ALPHABET[(v >> 6) & 63]}${ALPHABET[v & 63]}`;
  }
  if (n - i === 1) {
    const v = (bytes[i] as number) << 16;
    out += `${ALPHABET[v >> 18]}${ALPHABET[(v >> 12) & 63]}==`;
  } else if (n - i === 2) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += `${ALPHABET[v >> 18]}${ALPHABET[(v >> 12) & 63]}${ALPHABET[(v >> 6) & 63]}=`;
  }
  return out;
}

/**
 * Decodes base64 from `text` starting at `start`. Padding is optional; anything that is not
 * base64 raises ProtocolViolationError, since it came from a peer.
 */
export function decodeBase64(text: string, start = 0): Uint8Array {
  let end = text.length;
  while (end > start && text.charCodeAt(end - 1) === 61 /* = */ && text.length - end < 2) end--;
  const len = end - start;
  if (len % 4 === 1) throw invalid();
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (DECODE[c] as number) : -1;
    if (v < 0) throw invalid();
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function invalid(): ProtocolViolationError {
  return new ProtocolViolationError('binary value (a string starting with \\u0000) is not valid base64', {
    field: 'binary',
  });
}
