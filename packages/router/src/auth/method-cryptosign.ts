/**
 * WAMP-Cryptosign (spec: advanced "Cryptosign-based Authentication"). The client announces its
 * Ed25519 public key in `HELLO.Details.authextra.pubkey`; the router sends a random 32-byte
 * challenge and expects it signed (XORed with the TLS channel ID first when the client asked for
 * channel binding). A static principal lists its `authorized_keys`; a client may leave out its
 * authid and be found by its key. A dynamic authenticator answers with the principal's `pubkey`.
 *
 * Router authentication: when the client sends `authextra.challenge` and the router has a key,
 * the CHALLENGE also carries the router's public key and its signature of that challenge
 * (spec: "Router Authentication").
 *
 * An unknown key or authid gets a challenge like any other and fails at AUTHENTICATE.
 */
import {
  AuthMethod,
  bytesToHex,
  createCryptosignChallenge,
  cryptosignMessage,
  cryptosignPublicKey,
  cryptosignSign,
  cryptosignVerify,
  type Dict,
  hexToBytes,
  InvalidArgumentError,
  parseCryptosignPublicKey,
} from '@interchange/protocol';
import {
  type AuthChallenge,
  type AuthFailed,
  type AuthMethodContext,
  type AuthMethodHandler,
  type AuthRequest,
  fail,
  type HelloOutcome,
  isAuthenticatorRefusal,
  type MaybePromise,
  mockChallenge,
} from './auth-method.js';
import { type Principal, staticPrincipal } from './principal.js';
import { acceptAnswer, askAboutHello } from './principal-check.js';
import type { CryptosignAuthConfig } from './transport-auth.js';

/** Reads a configured key; a key that cannot be read is left out, with a warning. */
function readKey(text: string, context: AuthMethodContext, authid: string): string | undefined {
  try {
    return bytesToHex(parseCryptosignPublicKey(text));
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    context.logger.warn({ authid, authmethod: AuthMethod.CRYPTOSIGN }, 'unreadable authorized key ignored');
    return undefined;
  }
}

/** The router side of `cryptosign` for one transport's config. */
export function cryptosignMethod(config: CryptosignAuthConfig, context: AuthMethodContext): AuthMethodHandler {
  const name = AuthMethod.CRYPTOSIGN;
  /** Static principals: authid -> authorized keys (lower-case hex), and key -> authids. */
  const keysOf = new Map<string, Set<string>>();
  const authidsOf = new Map<string, string[]>();
  if (config.type === 'static') {
    for (const [authid, principal] of Object.entries(config.principals)) {
      const keys = new Set<string>();
      for (const text of principal.authorized_keys ?? []) {
        const key = typeof text === 'string' ? readKey(text, context, authid) : undefined;
        if (key === undefined) continue;
        keys.add(key);
        authidsOf.set(key, [...(authidsOf.get(key) ?? []), authid]);
      }
      keysOf.set(authid, keys);
    }
  }

  /**
   * `CHALLENGE.Extra`, with the router's proof when the client asked for one, and the messages
   * whose signature is accepted: the challenge XORed with each channel ID the client may have
   * computed for the binding (see `TransportCredentials.alternateChannelIds`), or the challenge
   * alone without a binding or a channel to bind to.
   */
  const challengeExtra = (request: AuthRequest, binding: string | null): { extra: Dict; expected: Uint8Array[] } => {
    const challenge = createCryptosignChallenge();
    const channel = binding === null ? undefined : channelId(request, binding);
    const extra: Dict = { challenge, channel_binding: binding };
    const clientChallenge = request.authextra['challenge'];
    const routerKey = context.routerKey;
    if (typeof clientChallenge === 'string' && clientChallenge.length > 0 && routerKey !== undefined) {
      const message = cryptosignMessage(clientChallenge, channel);
      if (message !== undefined) {
        extra['pubkey'] = bytesToHex(cryptosignPublicKey(routerKey));
        extra['signature'] = cryptosignSign(routerKey, clientChallenge, channel);
      }
    }
    const expected = [cryptosignMessage(challenge, channel)];
    const alternate = binding === null ? undefined : alternateChannelId(request, binding);
    if (alternate !== undefined) expected.push(cryptosignMessage(challenge, alternate));
    return { extra, expected: expected.filter((message): message is Uint8Array => message !== undefined) };
  };

  const challengeFor = (
    request: AuthRequest,
    binding: string | null,
    principal: Principal,
    publicKey: Uint8Array,
  ): AuthChallenge => {
    const { extra, expected } = challengeExtra(request, binding);
    return {
      kind: 'challenge',
      extra,
      verify: (signature) =>
        expected.some((message) => cryptosignVerify(publicKey, signature, message))
          ? { kind: 'welcome', principal }
          : fail('wrong signature'),
    };
  };

  const mock = (request: AuthRequest, binding: string | null, log: string): AuthChallenge =>
    mockChallenge(challengeExtra(request, binding).extra, log);

  return {
    name,
    hello(request: AuthRequest): MaybePromise<HelloOutcome> {
      const requested = request.authextra['channel_binding'] ?? null;
      if (
        requested !== null &&
        (typeof requested !== 'string' ||
          (channelId(request, requested) === undefined && !(requested === 'tls-unique' && !isTls(request))))
      ) {
        // Spec: "TLS Channel Binding": the router gets the channel ID of the type requested; a
        // binding this transport cannot give is refused rather than silently dropped. Except
        // `tls-unique` on a connection without TLS: there is no channel to bind to, and Crossbar
        // (whose clients ask for it regardless) then expects the challenge signed as it is.
        return fail(`channel binding ${JSON.stringify(requested)} is not available on this transport`);
      }
      const binding = requested as string | null;
      const pubkeyText = request.authextra['pubkey'];
      const pubkey = typeof pubkeyText === 'string' ? hexToBytes(pubkeyText) : undefined;
      if (pubkey === undefined || pubkey.length !== 32)
        return mock(request, binding, 'authextra.pubkey missing or not 32 bytes of hex');
      const pubkeyHex = bytesToHex(pubkey);

      if (config.type === 'static') {
        let authid = request.authid;
        if (authid === undefined) {
          const owners = authidsOf.get(pubkeyHex) ?? [];
          if (owners.length !== 1)
            return mock(
              request,
              binding,
              owners.length === 0 ? 'unknown public key' : 'public key of several principals',
            );
          authid = owners[0] as string;
        }
        const entry = Object.hasOwn(config.principals, authid) ? config.principals[authid] : undefined;
        if (entry === undefined || !keysOf.get(authid)?.has(pubkeyHex))
          return mock(request, binding, 'unknown authid or key not authorized');
        const principal = staticPrincipal(request, authid, entry, name);
        return challengeFor(request, binding, principal, pubkey);
      }

      return (async (): Promise<HelloOutcome> => {
        const read = await askAboutHello(context, config, request, name);
        if ('kind' in read) return isAuthenticatorRefusal(read) ? read : mock(request, binding, read.log);
        const key = principalKey(read.fields);
        if (key === undefined) return mock(request, binding, 'dynamic authenticator returned no usable pubkey');
        if (bytesToHex(key) !== pubkeyHex)
          return mock(request, binding, 'key not authorized by the dynamic authenticator');
        // Spec: without an authid "the router SHOULD automatically chose and assign an authid
        // (e.g. the Hex encode public key)".
        const accepted = acceptAnswer(request, read, name, config.type, pubkeyHex);
        if (accepted.kind === 'fail') return mock(request, binding, (accepted as AuthFailed).log);
        return challengeFor(request, binding, accepted.principal, key);
      })();
    },
  };
}

/** The public key of a dynamic authenticator's answer: `pubkey`, hex or an ssh-ed25519 line. */
function principalKey(fields: Dict): Uint8Array | undefined {
  const text = fields['pubkey'];
  if (typeof text !== 'string') return undefined;
  try {
    return parseCryptosignPublicKey(text);
  } catch {
    return undefined;
  }
}

/** Whether the connection runs over TLS: it then has channel IDs to bind to. */
function isTls(request: AuthRequest): boolean {
  return request.credentials.channelId !== undefined;
}

function alternateChannelId(request: AuthRequest, binding: string): Uint8Array | undefined {
  return binding === 'tls-unique' ? request.credentials.alternateChannelIds?.['tls-unique'] : undefined;
}

function channelId(request: AuthRequest, binding: string): Uint8Array | undefined {
  const ids = request.credentials.channelId;
  if (binding === 'tls-unique') return ids?.['tls-unique'];
  if (binding === 'tls-exporter') return ids?.['tls-exporter'];
  return undefined;
}
