/**
 * SHA-256 and HMAC-SHA256, the hashes of WAMP-CRA, WAMP-SCRAM and cryptosign channel IDs, for
 * packages that need them without depending on the hash library themselves (the router derives
 * mock salts with HMAC, the server hashes TLS Finished messages into channel IDs).
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** SHA-256 of `data`. */
export function sha256Digest(data: Uint8Array): Uint8Array {
  return sha256(data);
}

/** HMAC-SHA256 of `data` under `key`. */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(sha256, key, data);
}
