/**
 * Signed HTTP bridge requests, as Crossbar defines them: query parameters `key`, `timestamp`
 * (UTC ISO 8601 with fraction, e.g. `2011-10-14T16:59:51.123Z`), `seq` and `nonce` (integers) and
 * `signature` = base64url(HMAC-SHA256(secret, key ‖ timestamp ‖ seq ‖ nonce ‖ body)), the
 * concatenated values being the query strings as sent and the raw body bytes.
 *
 * Crossbar checks the signature and the timestamp window only, so a captured request can be
 * replayed within the window. Here a signed request is also refused when its `nonce` was already
 * accepted while its timestamp could still be (400, like Crossbar's other invalid-signature-field
 * errors): a replay repeats the nonce, since the signature covers it. `seq` is checked to be an
 * integer and nothing more, as in Crossbar: its clients (crossbarconnect) count it from 1 in
 * every process, so requiring it to grow would refuse every process after the first.
 *
 * The accepted nonces live in a {@link NonceStore}: memory by default, the realm store of the
 * bridge's realm when it is persistent, so that the refusal holds across a restart. Nonces are
 * kept per signing key: the signature does not cover the path, so a request signed for one
 * bridge path must not be replayed to another path with the same key either.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { MemoryNonceStore, type NonceStore } from './nonce-store.js';

/** A refused request: the HTTP status and Crossbar's message. */
export interface SignatureFailure {
  status: 400 | 401;
  message: string;
}

/** Options of {@link SignatureVerifier}. */
export interface SignatureVerifierOptions {
  /** The configured key; undefined when requests need not be signed. */
  key?: string | undefined;
  secret?: string | undefined;
  /** Seconds the timestamp may differ from the node's clock; 0 allows any (default 300). */
  timestampDeltaLimit?: number | undefined;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
  /** Where accepted nonces are kept; a memory store of its own by default. */
  nonces?: NonceStore | undefined;
}

/** The default timestamp window of Crossbar's code (its docs say 0), in seconds. */
export const DEFAULT_TIMESTAMP_DELTA_LIMIT = 300;
/** How long a nonce is remembered when there is no timestamp window, in seconds. */
const NONCE_MEMORY_WITHOUT_WINDOW = 600;

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/** Milliseconds of a Crossbar timestamp, or undefined when it is malformed. */
export function parseBridgeTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text);
  if (match === null) return undefined;
  const ms = Date.parse(`${match[1]}.${(match[2] ?? '0').slice(0, 3).padEnd(3, '0')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A timestamp in Crossbar's format. */
export function formatBridgeTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** The signature of a request: base64url with padding, as Python's `urlsafe_b64encode` writes it. */
export function computeBridgeSignature(
  secret: string,
  parts: { key: string; timestamp: string; seq: string; nonce: string; body: Uint8Array },
): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(parts.key).update(parts.timestamp).update(parts.seq).update(parts.nonce).update(parts.body);
  return hmac.digest('base64').replaceAll('+', '-').replaceAll('/', '_');
}

/**
 * The query parameters of a signed request, for clients and tests.
 *
 * @example
 * const query = signBridgeRequest({ key: 'foo', secret: 'bar', seq: 1, body });
 * await fetch(`http://127.0.0.1:8080/publish?${new URLSearchParams(query)}`, { method: 'POST', body });
 */
export function signBridgeRequest(options: {
  key: string;
  secret: string;
  seq: number;
  body: Uint8Array | string;
  nonce?: number;
  timestamp?: string;
}): Record<'key' | 'timestamp' | 'seq' | 'nonce' | 'signature', string> {
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : options.body;
  const timestamp = options.timestamp ?? formatBridgeTimestamp(Date.now());
  const seq = String(options.seq);
  const nonce = String(options.nonce ?? randomInt(0, 2 ** 48 - 1));
  const signature = computeBridgeSignature(options.secret, { key: options.key, timestamp, seq, nonce, body });
  return { key: options.key, timestamp, seq, nonce, signature };
}

/** Base64 in one canonical form: URL-safe alphabet, no padding (a `+` may arrive as a space). */
function canonicalBase64(text: string): string {
  return text.replace(/=+$/, '').replaceAll('+', '-').replaceAll(' ', '-').replaceAll('/', '_');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

const missing = (what: string): SignatureFailure => ({
  status: 400,
  message: `REST bridge signature was invalid (missing mandatory field - ${what}).`,
});
const invalidField = (reason: string): SignatureFailure => ({
  status: 400,
  message: `REST bridge signature was invalid (${reason}).`,
});

/**
 * Checks the signature fields of bridge requests and keeps the replay state (recent nonces)
 * of its key.
 */
export class SignatureVerifier {
  readonly #key: string | undefined;
  readonly #secret: string | undefined;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #nonces: NonceStore;

  constructor(options: SignatureVerifierOptions) {
    this.#key = options.key;
    this.#secret = options.secret;
    this.#windowMs = (options.timestampDeltaLimit ?? DEFAULT_TIMESTAMP_DELTA_LIMIT) * 1000;
    this.#now = options.now ?? Date.now;
    this.#nonces = options.nonces ?? new MemoryNonceStore();
  }

  /** Whether every request must be signed. */
  get required(): boolean {
    return this.#secret !== undefined;
  }

  /**
   * Checks a request's query parameters and body; an accepted signed request updates the replay
   * state. Returns undefined when the request may proceed.
   */
  verify(query: URLSearchParams, body: Uint8Array): SignatureFailure | undefined {
    const signed = this.#secret !== undefined;
    const key = query.get('key');
    const timestamp = query.get('timestamp');
    const seq = query.get('seq');
    const nonce = query.get('nonce');
    const signature = query.get('signature');
    if (signed && key === null) return missing("'key' field missing");
    const now = this.#now();
    if (timestamp !== null) {
      const ms = parseBridgeTimestamp(timestamp);
      if (ms === undefined)
        return invalidField(`invalid timestamp '${timestamp}' (must be UTC/ISO-8601, e.g. '2011-10-14T16:59:51.123Z')`);
      if (this.#windowMs > 0 && Math.abs(ms - now) > this.#windowMs)
        return { status: 400, message: 'Request expired, too old timestamp.' };
    } else if (signed) return missing("signed request required, but mandatory 'timestamp' field missing");
    if (seq !== null) {
      if (!/^-?\d+$/.test(seq)) return invalidField(`invalid sequence number '${seq}' (must be an integer)`);
    } else if (signed) return missing("'seq' field missing");
    if (nonce !== null) {
      if (!/^-?\d+$/.test(nonce)) return invalidField(`invalid nonce '${nonce}' (must be an integer)`);
    } else if (signed) return missing("'nonce' field missing");
    if (signature === null && signed) return missing("'signature' field missing");
    if (!signed) return undefined;

    if (key !== this.#key) return { status: 401, message: 'REST bridge signature key not valid.' };
    const expected = computeBridgeSignature(this.#secret as string, {
      key: key as string,
      timestamp: timestamp as string,
      seq: seq as string,
      nonce: nonce as string,
      body,
    });
    if (!sameText(canonicalBase64(signature as string), canonicalBase64(expected))) {
      return { status: 401, message: 'REST bridge signature secret not valid.' };
    }
    return this.#checkReplay(key as string, nonce as string, now);
  }

  /**
   * After {@link verify} accepted a signed request: `undefined` when its nonce is durable already
   * (always, with the memory store), otherwise a promise that settles once it is on disk and
   * rejects when it could not be written. The request must not take effect before, or a replay
   * after a crash would find no trace of it.
   */
  durable(): Promise<void> | undefined {
    return this.#nonces.durable();
  }

  #checkReplay(key: string, nonce: string, now: number): SignatureFailure | undefined {
    if (this.#nonces.seen(key, nonce, now)) return invalidField(`replayed request: nonce ${nonce} was already used`);
    // A request's timestamp may sit anywhere in [now - window, now + window]: remember its nonce
    // for twice the window so no copy of it can come back while its timestamp is still accepted.
    const memory = this.#windowMs > 0 ? 2 * this.#windowMs : NONCE_MEMORY_WITHOUT_WINDOW * 1000;
    this.#nonces.remember(key, nonce, now + memory);
    return undefined;
  }
}
