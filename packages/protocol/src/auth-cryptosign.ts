/**
 * The crypto of WAMP-Cryptosign (spec: advanced profile "Cryptosign-based Authentication"):
 * Ed25519 keys, the message a peer signs (the 32-byte challenge, XORed with the TLS channel ID
 * when channel binding is in use), and the signed reply: the 64-byte signature followed by the
 * 32 bytes signed, 96 bytes in hex. Both directions use it: the client answers the router's
 * CHALLENGE, and the router answers the client's `authextra.challenge` (router authentication).
 *
 * Keys load from hex (a 32-byte seed, or the 64-byte seed-and-public-key form libsodium and
 * tweetnacl use) and from unencrypted OpenSSH Ed25519 key files.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, randomBytes, xorBytes } from './auth-bytes.js';
import { decodeBase64 } from './base64.js';
import { InvalidArgumentError } from './errors.js';

/** Channel binding types a cryptosign peer may request (spec: "TLS Channel Binding"). */
export const ChannelBinding = {
  TLS_UNIQUE: 'tls-unique',
  TLS_EXPORTER: 'tls-exporter',
} as const;
/** One of the {@link ChannelBinding} types. */
export type ChannelBindingType = (typeof ChannelBinding)[keyof typeof ChannelBinding];

/** Length of a cryptosign challenge, of a seed and of a public key, in bytes. */
export const CRYPTOSIGN_KEY_LENGTH = 32;

/** A fresh random Ed25519 private key (its 32-byte seed). */
export function generateCryptosignSeed(): Uint8Array {
  return randomBytes(CRYPTOSIGN_KEY_LENGTH);
}

/** A fresh random challenge for the other side to sign, as 64 hex characters. */
export function createCryptosignChallenge(): string {
  return bytesToHex(randomBytes(CRYPTOSIGN_KEY_LENGTH));
}

/** The Ed25519 public key of a private key (seed). */
export function cryptosignPublicKey(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(checkSeed(seed));
}

function checkSeed(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length !== CRYPTOSIGN_KEY_LENGTH) {
    throw new InvalidArgumentError('cryptosign: a private key is a 32-byte seed');
  }
  return seed;
}

/**
 * Reads a private key: 64 hex characters (the seed), 128 hex characters (seed then public key,
 * as libsodium and tweetnacl store it), 32 or 64 raw bytes, or an unencrypted OpenSSH private
 * key file (`-----BEGIN OPENSSH PRIVATE KEY-----`). Returns the 32-byte seed.
 *
 * @throws InvalidArgumentError when the input is none of those.
 */
export function parseCryptosignPrivateKey(input: string | Uint8Array): Uint8Array {
  if (input instanceof Uint8Array) {
    if (input.length === 32 || input.length === 64) return input.slice(0, 32);
    throw new InvalidArgumentError('cryptosign: a raw private key has 32 or 64 bytes');
  }
  const text = input.trim();
  if (text.startsWith('-----BEGIN OPENSSH PRIVATE KEY-----')) return readOpenSshPrivateKey(text);
  const bytes = hexToBytes(text);
  if (bytes !== undefined && (bytes.length === 32 || bytes.length === 64)) return bytes.slice(0, 32);
  throw new InvalidArgumentError(
    'cryptosign: expected a private key as 64 or 128 hex characters or an OpenSSH private key',
  );
}

/**
 * Reads a public key: 64 hex characters, or an OpenSSH public key line (`ssh-ed25519 AAAA... comment`).
 *
 * @throws InvalidArgumentError when the input is neither.
 */
export function parseCryptosignPublicKey(input: string): Uint8Array {
  const text = input.trim();
  if (text.startsWith('ssh-ed25519 ')) {
    const blob = decodeOrThrow(text.split(/\s+/)[1] ?? '');
    const reader = new SshReader(blob);
    if (reader.text() !== 'ssh-ed25519') throw new InvalidArgumentError('cryptosign: not an ssh-ed25519 public key');
    const key = reader.bytes();
    if (key.length !== 32) throw new InvalidArgumentError('cryptosign: an Ed25519 public key has 32 bytes');
    return key;
  }
  const bytes = hexToBytes(text);
  if (bytes === undefined || bytes.length !== 32) {
    throw new InvalidArgumentError('cryptosign: expected a public key as 64 hex characters or an ssh-ed25519 line');
  }
  return bytes;
}

/**
 * The 32 bytes a peer signs for `challengeHex`: the challenge itself, or the challenge XORed
 * with the TLS channel ID when channel binding is in use (spec: "Computing the Signature").
 * Returns `undefined` when the challenge is not 32 bytes of hex or the channel ID is not 32 bytes.
 */
export function cryptosignMessage(challengeHex: string, channelId?: Uint8Array): Uint8Array | undefined {
  const challenge = hexToBytes(challengeHex);
  if (challenge === undefined || challenge.length !== CRYPTOSIGN_KEY_LENGTH) return undefined;
  if (channelId === undefined) return challenge;
  if (channelId.length !== CRYPTOSIGN_KEY_LENGTH) return undefined;
  return xorBytes(challenge, channelId);
}

/**
 * Signs a cryptosign challenge: returns the 64-byte Ed25519 signature followed by the 32-byte
 * message signed, in hex (192 characters), as `AUTHENTICATE.Signature` (or, from a router,
 * `CHALLENGE.Extra.signature`) carries it.
 *
 * @throws InvalidArgumentError when the challenge is not 64 hex characters or the channel ID
 *   is not 32 bytes.
 * @example
 * const signature = cryptosignSign(seed, extra.challenge);
 */
export function cryptosignSign(seed: Uint8Array, challengeHex: string, channelId?: Uint8Array): string {
  const message = cryptosignMessage(challengeHex, channelId);
  if (message === undefined)
    throw new InvalidArgumentError('cryptosign: the challenge must be 32 bytes as 64 hex characters');
  return bytesToHex(ed25519.sign(message, checkSeed(seed))) + bytesToHex(message);
}

/**
 * Whether `signedHex` (signature then message, 96 bytes in hex) is a valid Ed25519 signature by
 * `publicKey` over exactly `expected`. Strict RFC 8032 verification, as libsodium does it.
 */
export function cryptosignVerify(publicKey: Uint8Array, signedHex: string, expected: Uint8Array): boolean {
  const signed = hexToBytes(signedHex);
  if (signed === undefined || signed.length !== 96 || publicKey.length !== 32) return false;
  const message = signed.subarray(64);
  let same = message.length === expected.length;
  for (let i = 0; same && i < message.length; i++) same = message[i] === expected[i];
  if (!same) return false;
  try {
    return ed25519.verify(signed.subarray(0, 64), message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

function decodeOrThrow(text: string): Uint8Array {
  try {
    return decodeBase64(text.replace(/\s+/g, ''));
  } catch (error) {
    throw new InvalidArgumentError('cryptosign: key data is not valid base64', { cause: error });
  }
}

/**
 * Reads an unencrypted OpenSSH private key (the `openssh-key-v1` format of OpenSSH's PROTOCOL.key)
 * holding one Ed25519 key, and returns its seed.
 */
function readOpenSshPrivateKey(pem: string): Uint8Array {
  const body = pem.replace('-----BEGIN OPENSSH PRIVATE KEY-----', '').replace('-----END OPENSSH PRIVATE KEY-----', '');
  const reader = new SshReader(decodeOrThrow(body));
  const magic = new TextEncoder().encode('openssh-key-v1\0');
  if (!reader.startsWith(magic)) throw new InvalidArgumentError('cryptosign: not an openssh-key-v1 private key');
  reader.skip(magic.length);
  const cipher = reader.text();
  const kdf = reader.text();
  reader.bytes(); // kdf options
  if (cipher !== 'none' || kdf !== 'none') {
    throw new InvalidArgumentError(
      'cryptosign: the OpenSSH private key is encrypted; decrypt it first (ssh-keygen -p)',
    );
  }
  if (reader.uint32() !== 1)
    throw new InvalidArgumentError('cryptosign: expected exactly one key in the OpenSSH key file');
  reader.bytes(); // public key blob, repeated in the private section
  const section = new SshReader(reader.bytes());
  const check = section.uint32();
  if (section.uint32() !== check)
    throw new InvalidArgumentError('cryptosign: corrupt OpenSSH private key (check ints differ)');
  if (section.text() !== 'ssh-ed25519')
    throw new InvalidArgumentError('cryptosign: the OpenSSH key is not an Ed25519 key');
  const publicKey = section.bytes();
  const secret = section.bytes();
  if (publicKey.length !== 32 || secret.length !== 64)
    throw new InvalidArgumentError('cryptosign: corrupt OpenSSH Ed25519 key');
  const seed = secret.slice(0, 32);
  if (bytesToHex(cryptosignPublicKey(seed)) !== bytesToHex(publicKey)) {
    throw new InvalidArgumentError('cryptosign: corrupt OpenSSH Ed25519 key (public key does not match)');
  }
  return seed;
}

/** Reads the SSH wire encoding: big-endian uint32 and length-prefixed strings (RFC 4251 section 5). */
class SshReader {
  #offset = 0;
  readonly #data: Uint8Array;

  constructor(data: Uint8Array) {
    this.#data = data;
  }

  startsWith(prefix: Uint8Array): boolean {
    return prefix.every((byte, i) => this.#data[this.#offset + i] === byte);
  }

  skip(n: number): void {
    this.#need(n);
    this.#offset += n;
  }

  uint32(): number {
    this.#need(4);
    const d = this.#data;
    const o = this.#offset;
    this.#offset += 4;
    return (
      (((d[o] as number) << 24) | ((d[o + 1] as number) << 16) | ((d[o + 2] as number) << 8) | (d[o + 3] as number)) >>>
      0
    );
  }

  bytes(): Uint8Array {
    const length = this.uint32();
    this.#need(length);
    const out = this.#data.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }

  #need(n: number): void {
    if (this.#offset + n > this.#data.length) throw new InvalidArgumentError('cryptosign: truncated SSH key data');
  }
}
