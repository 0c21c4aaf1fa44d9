/**
 * The crypto of WAMP-CRA (spec: advanced profile "Challenge Response Authentication"): the
 * router's challenge string, the HMAC-SHA256 signature over it, and PBKDF2 key derivation for
 * salted secrets. Synchronous, so an Autobahn-style `onchallenge` can call it without awaiting.
 *
 * Byte conventions follow Autobahn (and so Crossbar), since both ends must agree bit for bit:
 * a string key, salt or challenge is taken as its UTF-8 bytes, and the derived key of a salted
 * secret is the base64 text of the PBKDF2 output, whose UTF-8 bytes then key the HMAC.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64ToBytes, constantTimeEqual, randomBytes, utf8Bytes } from './auth-bytes.js';
import { encodeBase64 } from './base64.js';
import { InvalidArgumentError } from './errors.js';

/** PBKDF2 parameters of a salted WAMP-CRA secret, as `CHALLENGE.Extra` carries them. */
export interface CraSaltParameters {
  salt: string;
  /** PBKDF2 iterations; Autobahn's default is 1000. */
  iterations?: number;
  /** Derived key length in bytes; Autobahn's default is 32. */
  keylen?: number;
}

/** The fields of the challenge string (spec: the challenge "MUST contain" these). */
export interface CraChallengeFields {
  authid: string;
  authrole: string;
  authprovider: string;
  /** The session ID the client will get when it authenticates. */
  session: number;
  /** Random text; defaults to 48 fresh random bytes in base64. */
  nonce?: string;
  /** ISO 8601 UTC time the authentication started. */
  timestamp: string;
}

function keyBytes(key: string | Uint8Array): Uint8Array {
  return typeof key === 'string' ? utf8Bytes(key) : key;
}

/**
 * The WAMP-CRA signature: base64 of HMAC-SHA256 keyed with `key` over the UTF-8 bytes of
 * `challenge` (spec: `signature := HMAC[SHA256]_{secret} (challenge)`).
 *
 * @param key the shared secret, or the key {@link craDeriveKey} derived from a salted secret.
 * @example
 * const signature = craSign('secret123', extra.challenge);
 */
export function craSign(key: string | Uint8Array, challenge: string): string {
  return encodeBase64(hmac(sha256, keyBytes(key), utf8Bytes(challenge)));
}

/**
 * Derives the key of a salted secret with PBKDF2-HMAC-SHA256 (spec: "Password Salting") and
 * returns it as base64 text, which is what {@link craSign} is then keyed with.
 *
 * @throws InvalidArgumentError when `iterations` or `keylen` is not a positive integer.
 * @example
 * const key = craDeriveKey('secret123', extra.salt, extra.iterations, extra.keylen);
 * const signature = craSign(key, extra.challenge);
 */
export function craDeriveKey(
  secret: string | Uint8Array,
  salt: string | Uint8Array,
  iterations = 1000,
  keylen = 32,
): string {
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new InvalidArgumentError('wampcra: iterations must be a positive integer');
  if (!Number.isInteger(keylen) || keylen < 1 || keylen > 1024) {
    throw new InvalidArgumentError('wampcra: keylen must be an integer 1..1024');
  }
  return encodeBase64(pbkdf2(sha256, keyBytes(secret), keyBytes(salt), { c: iterations, dkLen: keylen }));
}

/**
 * The key to sign a challenge with: the secret itself, or, when the challenge carries a salt,
 * the key derived from it with the challenge's PBKDF2 parameters.
 */
export function craSigningKey(secret: string, parameters: Partial<CraSaltParameters>): string {
  if (typeof parameters.salt !== 'string') return secret;
  return craDeriveKey(secret, parameters.salt, parameters.iterations ?? 1000, parameters.keylen ?? 32);
}

/**
 * The challenge string a router sends in `CHALLENGE.Extra.challenge`: a JSON object with the
 * principal, the pending session ID, a random nonce (against replay) and a timestamp.
 */
export function createCraChallenge(fields: CraChallengeFields): string {
  return JSON.stringify({
    authid: fields.authid,
    authrole: fields.authrole,
    authmethod: 'wampcra',
    authprovider: fields.authprovider,
    session: fields.session,
    nonce: fields.nonce ?? encodeBase64(randomBytes(48)),
    timestamp: fields.timestamp,
  });
}

/**
 * Whether `signature` is the WAMP-CRA signature of `challenge` under `key`. Compares the
 * decoded bytes in constant time; a signature that is not base64 is simply wrong.
 */
export function craVerify(key: string | Uint8Array, challenge: string, signature: string): boolean {
  const given = base64ToBytes(signature);
  if (given === undefined) return false;
  return constantTimeEqual(hmac(sha256, keyBytes(key), utf8Bytes(challenge)), given);
}
