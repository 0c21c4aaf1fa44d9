/**
 * WAMP-CRA helpers for clients (spec: advanced "Challenge Response Authentication"): sign a
 * router's challenge with a shared secret, and derive the key of a salted secret first. They are
 * synchronous, like Autobahn's, so an `onchallenge` written for Autobahn calls them unchanged.
 */
import { craDeriveKey, craSign, craSigningKey, type Dict } from '@interchange/protocol';

/**
 * Signs a WAMP-CRA challenge: base64 HMAC-SHA256 of the challenge under `key`.
 *
 * @example
 * onChallenge: ({ extra }) => authCra.sign(authCra.deriveKey('s3cret', extra.salt, extra.iterations, extra.keylen), extra.challenge)
 */
function sign(key: string | Uint8Array, challenge: string): string {
  return craSign(key, challenge);
}

/** Derives the key of a salted secret (PBKDF2-HMAC-SHA256, base64), as the challenge's salt parameters say. */
function deriveKey(secret: string | Uint8Array, salt: string | Uint8Array, iterations = 1000, keylen = 32): string {
  return craDeriveKey(secret, salt, iterations, keylen);
}

/**
 * Answers a `wampcra` CHALLENGE with `secret`, deriving the key first when the challenge is
 * salted.
 */
function answer(secret: string, extra: Dict): string {
  const challenge = extra['challenge'];
  if (typeof challenge !== 'string') throw new TypeError('wampcra: CHALLENGE.Extra.challenge is not a string');
  const salt = typeof extra['salt'] === 'string' ? extra['salt'] : undefined;
  const parameters =
    salt === undefined
      ? {}
      : {
          salt,
          ...(typeof extra['iterations'] === 'number' ? { iterations: extra['iterations'] } : {}),
          ...(typeof extra['keylen'] === 'number' ? { keylen: extra['keylen'] } : {}),
        };
  return craSign(craSigningKey(secret, parameters), challenge);
}

/** WAMP-CRA, typed: `authCra.sign`, `authCra.deriveKey`, `authCra.answer`. */
export const authCra = Object.freeze({ sign, deriveKey, answer });

/** WAMP-CRA with Autobahn|JS's names: `auth_cra.sign(key, challenge)`, `auth_cra.derive_key(secret, salt, iterations, keylen)`. */
export const auth_cra = Object.freeze({ sign, derive_key: deriveKey });
