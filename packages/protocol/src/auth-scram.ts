/**
 * The crypto of WAMP-SCRAM (spec: advanced profile "Salted Challenge Response Authentication",
 * "SCRAM Algorithms", after RFC 5802 and RFC 7677): key derivation with Argon2id or PBKDF2, the
 * stored and server keys, the AuthMessage, the client proof and the server signature.
 *
 * Two dialects exist on the wire, and both ends must use the same one:
 * - `wamp-scram`, as the spec writes it: the salted password is the KDF output, the channel
 *   binding part of the AuthMessage is `c=` + Base64(GS2 header), the router's nonce is the
 *   client's nonce text with its own appended, and WELCOME carries `authextra.verifier`.
 * - `scram`, as Crossbar.io and Autobahn|Python implement it: with Argon2id the salted password
 *   is the unpadded base64 text of the hash (Autobahn takes it from the encoded hash string), the
 *   channel binding part is `c=` + the binding name (empty without one), the router's nonce is
 *   base64 of the client's nonce bytes followed by its own, and WELCOME carries
 *   `authextra.scram_server_signature`. Its KDF name is `argon2id-13`.
 *
 * Argon2id comes from hash-wasm (WebAssembly, so asynchronous); everything else is synchronous.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { argon2id } from 'hash-wasm';
import { bytesToHex, constantTimeEqual, randomBytes, utf8Bytes, xorBytes } from './auth-bytes.js';
import { saslprep } from './auth-saslprep.js';
import { encodeBase64 } from './base64.js';
import { InvalidArgumentError } from './errors.js';

/** The two WAMP-SCRAM dialects; the value is the authmethod name each uses. */
export const ScramDialect = {
  SPEC: 'wamp-scram',
  CROSSBAR: 'scram',
} as const;
/** One of the {@link ScramDialect} values. */
export type ScramDialectName = (typeof ScramDialect)[keyof typeof ScramDialect];

/** The key derivation functions, by the spec's names (spec: "Key Derivation Functions"). */
export type ScramKdf = 'argon2id13' | 'pbkdf2';

/**
 * The KDF a name denotes: the spec's `argon2id13` and `pbkdf2`, and Crossbar's `argon2id-13`;
 * `undefined` for anything else.
 */
export function parseScramKdf(name: unknown): ScramKdf | undefined {
  if (name === 'argon2id13' || name === 'argon2id-13') return 'argon2id13';
  if (name === 'pbkdf2') return 'pbkdf2';
  return undefined;
}

/** The name of a KDF in `CHALLENGE.Extra.kdf` for a dialect. */
export function scramKdfName(kdf: ScramKdf, dialect: ScramDialectName): string {
  return kdf === 'argon2id13' && dialect === ScramDialect.CROSSBAR ? 'argon2id-13' : kdf;
}

/** The KDF and its cost parameters for one user. */
export interface ScramKdfParameters {
  kdf: ScramKdf;
  salt: Uint8Array;
  /** Iterations (PBKDF2) or passes (Argon2id). */
  iterations: number;
  /** Argon2id memory in KiB; unused by PBKDF2. */
  memory?: number;
}

/** The keys of one user: what a router stores (`storedKey`, `serverKey`) and what a client proves (`clientKey`). */
export interface ScramKeys {
  clientKey: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/** A Crossbar-style SCRAM principal's credential: what a router config stores for a user. */
export interface ScramCredential {
  kdf: string;
  iterations: number;
  memory?: number;
  /** Hex. */
  salt: string;
  /** Hex. */
  'stored-key': string;
  /** Hex. */
  'server-key': string;
}

/**
 * `SaltedPassword = KDF(Normalize(password), salt, params...)` (spec: "Data Stored on the
 * Server"), 32 bytes, in the given dialect (see the module comment).
 *
 * @throws InvalidArgumentError for cost parameters out of range or a password SASLprep refuses.
 */
export async function scramSaltedPassword(
  password: string,
  parameters: ScramKdfParameters,
  dialect: ScramDialectName = ScramDialect.SPEC,
): Promise<Uint8Array> {
  const { kdf, salt, iterations, memory } = parameters;
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new InvalidArgumentError('scram: iterations must be a positive integer');
  // Autobahn|Python hashes the password as given; the spec normalizes it.
  const secret = utf8Bytes(dialect === ScramDialect.SPEC ? saslprep(password) : password);
  if (kdf === 'pbkdf2') return pbkdf2(sha256, secret, salt, { c: iterations, dkLen: 32 });
  if (memory === undefined || !Number.isInteger(memory) || memory < 8) {
    throw new InvalidArgumentError('scram: argon2id13 needs memory (KiB), an integer >= 8');
  }
  if (salt.length < 8) throw new InvalidArgumentError('scram: argon2id13 needs a salt of at least 8 bytes');
  const hash = await argon2id({
    password: secret,
    salt,
    // Spec: "1 as the parallelism parameter", "32 octets as the output key length".
    parallelism: 1,
    iterations,
    memorySize: memory,
    hashLength: 32,
    outputType: 'binary',
  });
  return dialect === ScramDialect.SPEC ? hash : utf8Bytes(encodeBase64(hash).replace(/=+$/, ''));
}

/** `ClientKey`, `StoredKey` and `ServerKey` of a salted password (spec: "Data Stored on the Server"). */
export function scramKeys(saltedPassword: Uint8Array): ScramKeys {
  const clientKey = hmac(sha256, saltedPassword, utf8Bytes('Client Key'));
  return {
    clientKey,
    storedKey: sha256(clientKey),
    serverKey: hmac(sha256, saltedPassword, utf8Bytes('Server Key')),
  };
}

/** What the AuthMessage is computed from: attributes of HELLO, CHALLENGE and AUTHENTICATE. */
export interface ScramAuthMessageParts {
  authid: string;
  /** `HELLO.Details.authextra.nonce`. */
  clientNonce: string;
  /** `CHALLENGE.Extra.nonce` (and `AUTHENTICATE.Extra.nonce`). */
  nonce: string;
  /** `CHALLENGE.Extra.salt`, base64 as sent. */
  salt: string;
  iterations: number;
  /** `AUTHENTICATE.Extra.channel_binding`, when channel binding is in use. */
  channelBinding?: string | null;
  /** `AUTHENTICATE.Extra.cbind_data` (the binding data itself, not base64). */
  cbindData?: Uint8Array | null;
}

/** RFC 5802 `saslname` escaping of `,` and `=` (spec: `Escape(str)`). */
function escapeName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/**
 * The AuthMessage over which the client proof and the server signature are computed (spec:
 * "AuthMessage"), in the given dialect.
 *
 * @throws InvalidArgumentError when SASLprep refuses the authid.
 */
export function scramAuthMessage(parts: ScramAuthMessageParts, dialect: ScramDialectName = ScramDialect.SPEC): string {
  const name = saslprep(parts.authid);
  const clientFirstBare = `n=${dialect === ScramDialect.SPEC ? escapeName(name) : name},r=${parts.clientNonce}`;
  const serverFirst = `r=${parts.nonce},s=${parts.salt},i=${parts.iterations}`;
  const binding = parts.channelBinding ?? null;
  let channel: string;
  if (dialect === ScramDialect.SPEC) {
    const flag = binding === null ? 'n' : `p=${binding}`;
    const header = utf8Bytes(`${flag},,`);
    const data = binding === null ? new Uint8Array(0) : (parts.cbindData ?? new Uint8Array(0));
    const input = new Uint8Array(header.length + data.length);
    input.set(header);
    input.set(data, header.length);
    channel = encodeBase64(input);
  } else {
    channel = binding ?? '';
  }
  return `${clientFirstBare},${serverFirst},c=${channel},r=${parts.nonce}`;
}

/** `ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)` (spec: "ClientProof"). */
export function scramClientProof(keys: Pick<ScramKeys, 'clientKey' | 'storedKey'>, authMessage: string): Uint8Array {
  return xorBytes(keys.clientKey, hmac(sha256, keys.storedKey, utf8Bytes(authMessage)));
}

/**
 * Whether `proof` proves knowledge of the password whose `StoredKey` is given: recovers the
 * client key from the proof and compares its hash with the stored key in constant time.
 */
export function scramVerifyClientProof(storedKey: Uint8Array, authMessage: string, proof: Uint8Array): boolean {
  if (proof.length !== 32 || storedKey.length !== 32) return false;
  const recoveredClientKey = xorBytes(hmac(sha256, storedKey, utf8Bytes(authMessage)), proof);
  return constantTimeEqual(sha256(recoveredClientKey), storedKey);
}

/** `ServerSignature = HMAC(ServerKey, AuthMessage)` (spec: "ServerSignature"). */
export function scramServerSignature(serverKey: Uint8Array, authMessage: string): Uint8Array {
  return hmac(sha256, serverKey, utf8Bytes(authMessage));
}

/** A fresh nonce: 16 random bytes in base64 (spec: "Nonces": "16 octets ... is recommended"). */
export function createScramNonce(): string {
  return encodeBase64(randomBytes(16));
}

/** Options of {@link deriveScramCredential}. */
export interface ScramCredentialOptions {
  /** Default `argon2id13`. */
  kdf?: ScramKdf;
  /** A random 16-byte salt when omitted (spec: "Salts": random, per user). */
  salt?: Uint8Array;
  /** Default 4096 for PBKDF2 (RFC 7677's minimum), 16 for Argon2id. */
  iterations?: number;
  /** Argon2id memory in KiB; default 65536 (64 MiB). */
  memory?: number;
  /** Default `wamp-scram`. With `scram`, the credential works for Crossbar and Autobahn|Python clients. */
  dialect?: ScramDialectName;
}

/**
 * Derives what a router stores for a user from the password, in the shape of a Crossbar SCRAM
 * principal (`kdf`, `iterations`, `memory`, `salt`, `stored-key`, `server-key`, hex encoded).
 *
 * @example
 * const credential = await deriveScramCredential('s3cret', { kdf: 'pbkdf2', iterations: 100000 });
 * // config: { "principals": { "alice": { ...credential, "role": "user" } } }
 */
export async function deriveScramCredential(
  password: string,
  options: ScramCredentialOptions = {},
): Promise<ScramCredential> {
  const kdf = options.kdf ?? 'argon2id13';
  const dialect = options.dialect ?? ScramDialect.SPEC;
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? (kdf === 'pbkdf2' ? 4096 : 16);
  const memory = kdf === 'pbkdf2' ? undefined : (options.memory ?? 65536);
  const parameters: ScramKdfParameters =
    memory === undefined ? { kdf, salt, iterations } : { kdf, salt, iterations, memory };
  const keys = scramKeys(await scramSaltedPassword(password, parameters, dialect));
  const credential: ScramCredential = {
    kdf: scramKdfName(kdf, dialect),
    iterations,
    salt: bytesToHex(salt),
    'stored-key': bytesToHex(keys.storedKey),
    'server-key': bytesToHex(keys.serverKey),
  };
  if (memory !== undefined) credential.memory = memory;
  return credential;
}
