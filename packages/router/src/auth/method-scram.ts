/**
 * WAMP-SCRAM (spec: advanced "Salted Challenge Response Authentication"), in both dialects: the
 * spec's `wamp-scram` and Crossbar's `scram` (see `auth-scram.ts` in the protocol package). The
 * router keeps only each user's salt, KDF parameters, StoredKey and ServerKey; it checks the
 * client proof against the StoredKey and proves itself with the server signature in WELCOME.
 *
 * An unknown authid gets a mock challenge with a salt that is the same each time for that authid
 * (as the spec recommends), so the failure shows only at AUTHENTICATE.
 */
import {
  base64ToBytes,
  type Dict,
  encodeBase64,
  hexToBytes,
  parseScramKdf,
  randomBytes,
  ScramDialect,
  type ScramDialectName,
  type ScramKdf,
  scramAuthMessage,
  scramKdfName,
  scramServerSignature,
  scramVerifyClientProof,
} from '@interchange/protocol';
import {
  type AuthChallenge,
  type AuthMethodContext,
  type AuthMethodHandler,
  type AuthRequest,
  authenticatorDetails,
  fail,
  type HelloOutcome,
  isAuthenticatorRefusal,
  type MaybePromise,
  mockBytes,
  mockChallenge,
} from './auth-method.js';
import { type Principal, staticPrincipal } from './principal.js';
import { acceptAnswer, askAuthenticator } from './principal-check.js';
import type { ScramAuthConfig } from './transport-auth.js';

/** A user's stored SCRAM credential, decoded. */
interface StoredCredential {
  kdf: ScramKdf;
  iterations: number;
  memory: number | undefined;
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/** Decodes a Crossbar-shaped credential (hex salt and keys); `undefined` when it is not one. */
function readCredential(fields: Dict): StoredCredential | undefined {
  const kdf = parseScramKdf(fields['kdf']);
  const { iterations, memory } = fields;
  const salt = typeof fields['salt'] === 'string' ? hexToBytes(fields['salt']) : undefined;
  const storedKey = typeof fields['stored-key'] === 'string' ? hexToBytes(fields['stored-key']) : undefined;
  const serverKey = typeof fields['server-key'] === 'string' ? hexToBytes(fields['server-key']) : undefined;
  if (kdf === undefined || typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 1)
    return undefined;
  if (kdf === 'argon2id13' && (typeof memory !== 'number' || !Number.isInteger(memory))) return undefined;
  if (salt === undefined || storedKey?.length !== 32 || serverKey?.length !== 32) return undefined;
  return { kdf, iterations, memory: typeof memory === 'number' ? memory : undefined, salt, storedKey, serverKey };
}

/** The router side of `wamp-scram` (or, with the Crossbar dialect, `scram`) for one transport's config. */
export function scramMethod(
  config: ScramAuthConfig,
  context: AuthMethodContext,
  dialect: ScramDialectName,
): AuthMethodHandler {
  const name = dialect;
  const staticCredentials = new Map<string, StoredCredential>();
  if (config.type === 'static') {
    for (const [authid, principal] of Object.entries(config.principals)) {
      const credential = readCredential(principal as unknown as Dict);
      if (credential !== undefined) staticCredentials.set(authid, credential);
      else
        context.logger.warn(
          { authid, authmethod: name },
          'SCRAM principal has an unusable credential; it cannot authenticate',
        );
    }
  }
  const template = staticCredentials.values().next().value as StoredCredential | undefined;

  /** `CHALLENGE.Extra` for a credential, and the nonce the client must echo. */
  const challengeExtra = (
    clientNonce: string,
    credential: Pick<StoredCredential, 'kdf' | 'iterations' | 'memory' | 'salt'>,
  ): Dict => {
    const own = randomBytes(16);
    // Spec: the router's nonce is appended to the client's; Crossbar appends bytes, then base64.
    const nonce =
      dialect === ScramDialect.SPEC
        ? clientNonce + encodeBase64(own)
        : encodeBase64(concat(base64ToBytes(clientNonce) ?? new Uint8Array(0), own));
    const extra: Dict = {
      nonce,
      salt: encodeBase64(credential.salt),
      kdf: scramKdfName(credential.kdf, dialect),
      iterations: credential.iterations,
    };
    if (credential.kdf === 'argon2id13') extra['memory'] = credential.memory ?? null;
    return extra;
  };

  const mock = (request: AuthRequest, clientNonce: string, log: string): AuthChallenge => {
    const shape = template ?? { kdf: 'pbkdf2' as const, iterations: 4096, memory: undefined };
    const salt = mockBytes(context, 'scram', request.authid ?? '', 16);
    return mockChallenge(challengeExtra(clientNonce, { ...shape, salt }), log);
  };

  const challengeFor = (
    request: AuthRequest,
    clientNonce: string,
    principal: Principal,
    credential: StoredCredential,
  ): AuthChallenge => {
    const extra = challengeExtra(clientNonce, credential);
    const binding =
      typeof request.authextra['channel_binding'] === 'string'
        ? (request.authextra['channel_binding'] as string)
        : null;
    return {
      kind: 'challenge',
      extra,
      verify: (signature, answer) => {
        const nonce = extra['nonce'] as string;
        // Autobahn|Python sends no extra with its proof; when a nonce is sent, it must be ours.
        if (answer['nonce'] !== undefined && answer['nonce'] !== nonce)
          return fail('AUTHENTICATE.Extra.nonce is not the challenge nonce');
        if (dialect === ScramDialect.SPEC && answer['nonce'] === undefined)
          return fail('AUTHENTICATE.Extra.nonce missing');
        const answeredBinding = answer['channel_binding'] ?? null;
        if (dialect === ScramDialect.SPEC && answeredBinding !== binding)
          return fail('channel_binding differs from HELLO');
        let cbindData: Uint8Array | null = null;
        if (binding !== null) {
          const expected = channelId(request, binding);
          const given = typeof answer['cbind_data'] === 'string' ? base64ToBytes(answer['cbind_data']) : undefined;
          if (expected === undefined || given === undefined || !sameBytes(expected, given))
            return fail('channel binding data does not match');
          cbindData = given;
        }
        const proof = base64ToBytes(signature);
        if (proof === undefined) return fail('client proof is not base64');
        const authMessage = scramAuthMessage(
          {
            authid: request.authid ?? '',
            clientNonce,
            nonce,
            salt: extra['salt'] as string,
            iterations: credential.iterations,
            channelBinding: binding,
            cbindData,
          },
          dialect,
        );
        if (!scramVerifyClientProof(credential.storedKey, authMessage, proof)) return fail('wrong client proof');
        const serverSignature = encodeBase64(scramServerSignature(credential.serverKey, authMessage));
        const key = dialect === ScramDialect.SPEC ? 'verifier' : 'scram_server_signature';
        return {
          kind: 'welcome',
          principal: { ...principal, authextra: { ...principal.authextra, [key]: serverSignature } },
        };
      },
    };
  };

  return {
    name,
    hello(request: AuthRequest): MaybePromise<HelloOutcome> {
      const clientNonce = request.authextra['nonce'];
      // Spec: nonces are base64; without one there is no exchange to pretend to.
      if (typeof clientNonce !== 'string' || base64ToBytes(clientNonce) === undefined)
        return fail('client nonce missing or not base64');
      const binding = request.authextra['channel_binding'];
      if (
        binding !== undefined &&
        binding !== null &&
        (typeof binding !== 'string' || channelId(request, binding) === undefined)
      ) {
        // Spec: the server MUST ABORT when it "does not support the requested channel_binding type".
        return fail(`channel binding ${JSON.stringify(binding)} is not available on this transport`);
      }
      const authid = request.authid;
      if (authid === undefined) return mock(request, clientNonce, 'no authid given');
      if (config.type === 'static') {
        // Only own keys were read into staticCredentials: `__proto__` and the like never match.
        const credential = staticCredentials.get(authid);
        const entry = credential === undefined ? undefined : config.principals[authid];
        if (credential === undefined || entry === undefined) return mock(request, clientNonce, 'unknown authid');
        const principal = staticPrincipal(request, authid, entry, name);
        return challengeFor(request, clientNonce, principal, credential);
      }
      return (async (): Promise<HelloOutcome> => {
        const read = await askAuthenticator(context, config, request, authid, authenticatorDetails(request, name));
        if ('kind' in read) return isAuthenticatorRefusal(read) ? read : mock(request, clientNonce, read.log);
        const credential = readCredential(read.fields);
        if (credential === undefined)
          return mock(request, clientNonce, 'dynamic authenticator returned no usable SCRAM credential');
        // SCRAM binds the authid into the AuthMessage: the client's authid is the one that counts.
        const accepted = acceptAnswer(request, { ...read, authid }, name, config.type);
        if (accepted.kind === 'fail') return mock(request, clientNonce, accepted.log);
        return challengeFor(request, clientNonce, accepted.principal, credential);
      })();
    },
  };
}

function channelId(request: AuthRequest, binding: string): Uint8Array | undefined {
  const ids = request.credentials.channelId;
  if (binding === 'tls-unique') return ids?.['tls-unique'];
  if (binding === 'tls-exporter') return ids?.['tls-exporter'];
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
