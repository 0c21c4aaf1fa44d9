/**
 * The client side of WAMP-SCRAM (spec: advanced "Salted Challenge Response Authentication"):
 * the nonce for HELLO, the client proof for the CHALLENGE, and the check of the router's
 * signature in WELCOME (mutual authentication). Both dialects: the spec's `wamp-scram` and the
 * `scram` of Crossbar.io and Autobahn|Python.
 */
import {
  base64ToBytes,
  constantTimeEqual,
  createScramNonce,
  type Dict,
  encodeBase64,
  parseScramKdf,
  ScramDialect,
  type ScramDialectName,
  type ScramKdfParameters,
  type ScramKeys,
  scramAuthMessage,
  scramClientProof,
  scramKeys,
  scramSaltedPassword,
  scramServerSignature,
} from '@interchange/protocol';

/** Lowest cost parameters accepted from a router (spec: the client "SHOULD respond with an ABORT ... if ... unusually low"). */
export interface ScramMinimums {
  /** Default 1 (the router chooses; raise it to refuse cheap hashes). */
  iterations?: number;
  /** Argon2id memory in KiB. Default 8. */
  memory?: number;
}

/** One SCRAM exchange, from HELLO to WELCOME. */
export class ScramExchange {
  /** `HELLO.Details.authextra.nonce`. */
  readonly clientNonce: string;
  readonly dialect: ScramDialectName;
  readonly #authid: string;
  readonly #password: string;
  readonly #minimums: Required<ScramMinimums>;
  #keys: ScramKeys | undefined;
  #authMessage: string | undefined;

  constructor(
    authid: string,
    password: string,
    options: { dialect?: ScramDialectName; minimums?: ScramMinimums } = {},
  ) {
    this.#authid = authid;
    this.#password = password;
    this.dialect = options.dialect ?? ScramDialect.SPEC;
    this.#minimums = { iterations: options.minimums?.iterations ?? 1, memory: options.minimums?.memory ?? 8 };
    this.clientNonce = createScramNonce();
  }

  /** `HELLO.Details.authextra` for this exchange. */
  get authextra(): Dict {
    return { nonce: this.clientNonce, ...(this.dialect === ScramDialect.SPEC ? { channel_binding: null } : {}) };
  }

  /**
   * Computes the client proof for `CHALLENGE.Extra`; resolves with `AUTHENTICATE.Signature` and
   * `AUTHENTICATE.Extra`. Rejects (so the join aborts) on a challenge that is malformed, does not
   * extend our nonce, or asks for cost parameters below the minimums.
   */
  async answer(extra: Dict): Promise<{ signature: string; extra: Dict }> {
    const { nonce, salt, iterations, memory } = extra;
    const kdf = parseScramKdf(extra['kdf']);
    if (typeof nonce !== 'string' || typeof salt !== 'string' || typeof iterations !== 'number' || kdf === undefined) {
      throw new TypeError('wamp-scram: malformed CHALLENGE');
    }
    // Spec: the client MUST ABORT if the nonce "does not begin with the client nonce". Crossbar
    // appends bytes before encoding, so there the decoded bytes must begin with ours.
    const extendsOurs =
      this.dialect === ScramDialect.SPEC
        ? nonce.startsWith(this.clientNonce) && nonce.length > this.clientNonce.length
        : startsWithBytes(base64ToBytes(nonce), base64ToBytes(this.clientNonce));
    if (!extendsOurs) throw new TypeError('wamp-scram: the router nonce does not extend the client nonce');
    if (iterations < this.#minimums.iterations)
      throw new TypeError('wamp-scram: the router asks for too few iterations');
    const saltBytes = base64ToBytes(salt);
    if (saltBytes === undefined) throw new TypeError('wamp-scram: the salt is not base64');
    let parameters: ScramKdfParameters;
    if (kdf === 'argon2id13') {
      if (typeof memory !== 'number' || memory < this.#minimums.memory)
        throw new TypeError('wamp-scram: the router asks for too little memory');
      parameters = { kdf, salt: saltBytes, iterations, memory };
    } else {
      parameters = { kdf, salt: saltBytes, iterations };
    }
    this.#keys = scramKeys(await scramSaltedPassword(this.#password, parameters, this.dialect));
    this.#authMessage = scramAuthMessage(
      { authid: this.#authid, clientNonce: this.clientNonce, nonce, salt, iterations },
      this.dialect,
    );
    const signature = encodeBase64(scramClientProof(this.#keys, this.#authMessage));
    return {
      signature,
      extra: this.dialect === ScramDialect.SPEC ? { nonce, channel_binding: null, cbind_data: null } : {},
    };
  }

  /**
   * Whether `WELCOME.Details.authextra` proves the router knows our ServerKey (spec: "The client
   * SHOULD check the verifier for mutual authentication").
   */
  verifyWelcome(authextra: unknown): boolean {
    if (this.#keys === undefined || this.#authMessage === undefined) return false;
    const fields = typeof authextra === 'object' && authextra !== null ? (authextra as Dict) : {};
    const key = this.dialect === ScramDialect.SPEC ? 'verifier' : 'scram_server_signature';
    const given = fields[key];
    if (typeof given !== 'string') return false;
    // The spec's example writes the verifier with RFC 5802's `v=` prefix; accept both forms.
    const bytes = base64ToBytes(given.startsWith('v=') ? given.slice(2) : given);
    return (
      bytes !== undefined && constantTimeEqual(bytes, scramServerSignature(this.#keys.serverKey, this.#authMessage))
    );
  }
}

function startsWithBytes(whole: Uint8Array | undefined, prefix: Uint8Array | undefined): boolean {
  if (whole === undefined || prefix === undefined || whole.length <= prefix.length) return false;
  return prefix.every((byte, i) => whole[i] === byte);
}
