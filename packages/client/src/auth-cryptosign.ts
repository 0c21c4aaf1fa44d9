/**
 * WAMP-Cryptosign helpers for clients (spec: advanced "Cryptosign-based Authentication"): Ed25519
 * keys (generate, load from hex or an OpenSSH key file), signing the router's challenge (with TLS
 * channel binding when asked), and checking the router's signature of our own challenge
 * (router authentication). Also Autobahn|JS's `auth_cryptosign` functions.
 */
import {
  bytesToHex,
  cryptosignMessage,
  cryptosignPublicKey,
  cryptosignSign,
  cryptosignVerify,
  type Dict,
  generateCryptosignSeed,
  hexToBytes,
  InvalidArgumentError,
  parseCryptosignPrivateKey,
  parseCryptosignPublicKey,
} from '@interchange/protocol';

/** An Ed25519 key for cryptosign: its public key, and signing with the private one. */
export class CryptosignKey {
  /** The public key, 64 lower-case hex characters, as `HELLO.Details.authextra.pubkey` carries it. */
  readonly publicKey: string;
  readonly #seed: Uint8Array;

  private constructor(seed: Uint8Array) {
    this.#seed = seed;
    this.publicKey = bytesToHex(cryptosignPublicKey(seed));
  }

  /** A new random key. */
  static generate(): CryptosignKey {
    return new CryptosignKey(generateCryptosignSeed());
  }

  /**
   * Loads a private key: 64 hex characters (the seed), 128 (seed and public key, libsodium's
   * form), 32 or 64 raw bytes, or an unencrypted OpenSSH private key file's text.
   *
   * @throws InvalidArgumentError when the key cannot be read.
   * @example
   * const key = CryptosignKey.load(readFileSync('id_ed25519', 'utf8'));
   */
  static load(privateKey: string | Uint8Array): CryptosignKey {
    return new CryptosignKey(parseCryptosignPrivateKey(privateKey));
  }

  /** The private key's 32-byte seed, in hex (to store it; keep it secret). */
  get privateKey(): string {
    return bytesToHex(this.#seed);
  }

  /**
   * Signs a challenge (64 hex characters), XORed with `channelId` first when channel binding is
   * in use; returns signature and message in hex, as AUTHENTICATE carries it.
   */
  sign(challenge: string, channelId?: Uint8Array): string {
    return cryptosignSign(this.#seed, challenge, channelId);
  }
}

/**
 * Whether a router proved it holds `routerPublicKey` (hex or an ssh-ed25519 line): its
 * `CHALLENGE.Extra.signature` must sign our `challenge` (XOR the channel ID when bound).
 */
export function verifyRouterSignature(
  routerPublicKey: string,
  challenge: string,
  signature: string,
  channelId?: Uint8Array,
): boolean {
  let key: Uint8Array;
  try {
    key = parseCryptosignPublicKey(routerPublicKey);
  } catch {
    return false;
  }
  const message = cryptosignMessage(challenge, channelId);
  return message !== undefined && cryptosignVerify(key, signature, message);
}

/** A key pair as Autobahn|JS (tweetnacl) holds it: `secretKey` is seed then public key. */
export interface NaclKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

function keyPair(key: CryptosignKey): NaclKeyPair {
  const seed = hexToBytes(key.privateKey) as Uint8Array;
  const publicKey = hexToBytes(key.publicKey) as Uint8Array;
  const secretKey = new Uint8Array(64);
  secretKey.set(seed);
  secretKey.set(publicKey, 32);
  return { publicKey, secretKey };
}

function fromPair(pkey: NaclKeyPair): CryptosignKey {
  if (!(pkey?.secretKey instanceof Uint8Array))
    throw new InvalidArgumentError('auth_cryptosign: expected a key pair with a secretKey');
  return CryptosignKey.load(pkey.secretKey);
}

/** Storage for `load_private_key`: the browser's localStorage unless given. */
interface KeyStore {
  getItem(name: string): string | null;
  setItem(name: string, value: string): void;
}

function localKeyStore(): KeyStore {
  const store = (globalThis as { localStorage?: KeyStore }).localStorage;
  if (store === undefined)
    throw new InvalidArgumentError('auth_cryptosign.load_private_key needs localStorage (a browser)');
  return store;
}

/**
 * Autobahn|JS's `auth_cryptosign`: `load_private_key(name, force_regenerate)` (a key seed kept
 * in localStorage), `delete_private_key(name)`, `sign_challenge(pkey, extra)`, `public_key(pkey)`,
 * plus `generate_key()` and `load_key(text)` returning the same key pair shape.
 */
export const auth_cryptosign = Object.freeze({
  load_private_key(name: string, forceRegenerate = false): NaclKeyPair {
    const store = localKeyStore();
    const saved = store.getItem(name);
    let key: CryptosignKey | undefined;
    if (saved !== null && saved !== '' && !forceRegenerate) {
      try {
        key = CryptosignKey.load(saved);
      } catch {
        key = undefined;
      }
    }
    if (key === undefined) {
      key = CryptosignKey.generate();
      store.setItem(name, key.privateKey);
    }
    return keyPair(key);
  },
  delete_private_key(name: string): void {
    const store = localKeyStore();
    store.setItem(name, '');
  },
  sign_challenge(pkey: NaclKeyPair, extra: Dict): string {
    const challenge = extra['challenge'];
    if (typeof challenge !== 'string')
      throw new InvalidArgumentError('auth_cryptosign: CHALLENGE.Extra.challenge is not a string');
    return fromPair(pkey).sign(challenge);
  },
  public_key(pkey: NaclKeyPair): string {
    return bytesToHex(pkey.publicKey);
  },
  generate_key(): NaclKeyPair {
    return keyPair(CryptosignKey.generate());
  },
  load_key(privateKey: string | Uint8Array): NaclKeyPair {
    return keyPair(CryptosignKey.load(privateKey));
  },
});
