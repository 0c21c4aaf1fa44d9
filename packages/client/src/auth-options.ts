/**
 * The typed `auth` option of `connect`, `Session` and `Connection`: name a method and its
 * credential, and the session fills in HELLO (`authmethods`, `authid`, `authextra`), answers the
 * CHALLENGE, and checks what WELCOME proves about the router, with no hand-written
 * `onChallenge` (spec: advanced "Authentication" and the section of each method).
 */
import {
  AuthMethod,
  bytesToHex,
  createCryptosignChallenge,
  type Dict,
  InvalidArgumentError,
  parseCryptosignPublicKey,
  ScramDialect,
} from '@interchange/protocol';
import { authCra } from './auth-cra.js';
import { CryptosignKey, verifyRouterSignature } from './auth-cryptosign.js';
import { ScramExchange, type ScramMinimums } from './auth-scram.js';
import type { Challenge, ChallengeResponse } from './session-types.js';

/** Where a TLS channel ID comes from, for channel binding: the bytes, or a function of the connection. */
export interface ChannelBindingOption {
  type: 'tls-unique' | 'tls-exporter';
  /** The 32-byte channel ID of the connection (e.g. SHA-256 of the TLS Finished message for `tls-unique`). */
  channelId: Uint8Array | (() => Uint8Array | undefined);
}

/** Cryptosign options. */
export interface CryptosignAuthOptions {
  /** Optional: a router may find the principal by its public key. */
  authid?: string;
  /** A {@link CryptosignKey}, or a private key as {@link CryptosignKey.load} reads it. */
  privateKey: CryptosignKey | string | Uint8Array;
  /**
   * The router's public key(s) (hex or ssh-ed25519 lines). When given, the client challenges the
   * router and refuses to go on unless the CHALLENGE carries a valid signature by one of them
   * (spec: "Router Authentication").
   */
  routerKey?: string | readonly string[];
  /** TLS channel binding (spec: "TLS Channel Binding"). */
  channelBinding?: ChannelBindingOption;
}

/** SCRAM options. */
export interface ScramAuthOptions {
  authid: string;
  password: string;
  /** `wamp-scram` (the spec, default) or `scram` (Crossbar.io and Autobahn|Python). */
  dialect?: 'wamp-scram' | 'scram';
  /** Lowest KDF costs accepted from a router. */
  minimums?: ScramMinimums;
}

/**
 * How to authenticate. One method per connection; the router must allow it on its transport.
 *
 * @example
 * await connect({ url, realm: 'realm1', auth: { wampcra: { authid: 'joe', secret: 's3cret' } } });
 * await connect({ url, realm: 'realm1', auth: { ticket: { authid: 'joe', ticket: 'abc' } } });
 * await connect({ url, realm: 'realm1', auth: { cryptosign: { privateKey: key, routerKey: '4a38...' } } });
 * await connect({ url, realm: 'realm1', auth: { scram: { authid: 'joe', password: 'pw' } } });
 */
export type AuthOptions =
  | { anonymous: { authid?: string } | true }
  | { ticket: string | { authid?: string; ticket: string } }
  | { wampcra: { authid: string; secret: string } }
  | { cryptosign: CryptosignAuthOptions }
  | { scram: ScramAuthOptions };

/** What a session does for one join with an {@link AuthOptions}. */
export interface ClientAuthentication {
  readonly authmethods: string[];
  readonly authid: string | undefined;
  readonly authextra: Dict | undefined;
  /** Answers the CHALLENGE. Throws (or rejects) to abort the join. */
  answer(challenge: Challenge): ChallengeResponse | Promise<ChallengeResponse>;
  /** Why WELCOME does not prove the router, or `undefined` when it does (or there is nothing to prove). */
  checkWelcome(details: Dict): string | undefined;
}

function expectMethod(challenge: Challenge, method: string): void {
  if (challenge.authMethod !== method) {
    throw new InvalidArgumentError(`the router challenged ${challenge.authMethod}, but only ${method} was offered`);
  }
}

function channelIdOf(binding: ChannelBindingOption | undefined): Uint8Array | undefined {
  if (binding === undefined) return undefined;
  const id = typeof binding.channelId === 'function' ? binding.channelId() : binding.channelId;
  if (!(id instanceof Uint8Array) || id.length !== 32)
    throw new InvalidArgumentError('cryptosign: the TLS channel ID must be 32 bytes');
  return id;
}

/**
 * Checks an {@link AuthOptions} at once, so misuse fails when the session is made.
 * @throws InvalidArgumentError on a malformed option or an unreadable key.
 */
export function checkAuthOptions(auth: unknown): asserts auth is AuthOptions {
  if (typeof auth !== 'object' || auth === null) throw new InvalidArgumentError('auth must be an object');
  const keys = Object.keys(auth);
  if (keys.length !== 1)
    throw new InvalidArgumentError('auth names exactly one method: anonymous, ticket, wampcra, cryptosign or scram');
  createClientAuthentication(auth as AuthOptions, undefined);
}

/**
 * The authentication of one join. Fresh per join: SCRAM nonces and cryptosign challenges are
 * never reused.
 *
 * @param authid `SessionOptions.authid`, used when the method's options name none.
 * @throws InvalidArgumentError on a malformed option or an unreadable key.
 */
export function createClientAuthentication(auth: AuthOptions, authid: string | undefined): ClientAuthentication {
  if ('anonymous' in auth) {
    const own = auth.anonymous === true ? undefined : auth.anonymous.authid;
    return {
      authmethods: [AuthMethod.ANONYMOUS],
      authid: own ?? authid,
      authextra: undefined,
      answer: () => refuse('anonymous'),
      checkWelcome: () => undefined,
    };
  }
  if ('ticket' in auth) {
    const ticket = typeof auth.ticket === 'string' ? auth.ticket : auth.ticket?.ticket;
    if (typeof ticket !== 'string')
      throw new InvalidArgumentError('auth.ticket: give the ticket as a string or { authid, ticket }');
    const own = typeof auth.ticket === 'string' ? undefined : auth.ticket.authid;
    return {
      authmethods: [AuthMethod.TICKET],
      authid: own ?? authid,
      authextra: undefined,
      answer: (challenge) => {
        expectMethod(challenge, AuthMethod.TICKET);
        return ticket;
      },
      checkWelcome: () => undefined,
    };
  }
  if ('wampcra' in auth) {
    const { secret } = auth.wampcra ?? {};
    if (typeof secret !== 'string') throw new InvalidArgumentError('auth.wampcra: give { authid, secret }');
    return {
      authmethods: [AuthMethod.WAMPCRA],
      authid: auth.wampcra.authid ?? authid,
      authextra: undefined,
      answer: (challenge) => {
        expectMethod(challenge, AuthMethod.WAMPCRA);
        return authCra.answer(secret, challenge.extra);
      },
      checkWelcome: () => undefined,
    };
  }
  if ('cryptosign' in auth) return cryptosignAuthentication(auth.cryptosign, authid);
  if ('scram' in auth) {
    const options = auth.scram;
    const user = options?.authid ?? authid;
    if (typeof user !== 'string' || typeof options?.password !== 'string')
      throw new InvalidArgumentError('auth.scram: give { authid, password }');
    const dialect = options.dialect ?? ScramDialect.SPEC;
    if (dialect !== ScramDialect.SPEC && dialect !== ScramDialect.CROSSBAR)
      throw new InvalidArgumentError("auth.scram.dialect is 'wamp-scram' or 'scram'");
    const exchange = new ScramExchange(user, options.password, {
      dialect,
      ...(options.minimums === undefined ? {} : { minimums: options.minimums }),
    });
    return {
      authmethods: [dialect],
      authid: user,
      authextra: exchange.authextra,
      answer: (challenge) => {
        expectMethod(challenge, dialect);
        return exchange.answer(challenge.extra);
      },
      checkWelcome: (details) =>
        exchange.verifyWelcome(details['authextra'])
          ? undefined
          : 'the router did not prove it knows the SCRAM server key',
    };
  }
  throw new InvalidArgumentError('auth names one method: anonymous, ticket, wampcra, cryptosign or scram');
}

function refuse(method: string): never {
  throw new InvalidArgumentError(`the router sent a CHALLENGE, but only ${method} was offered`);
}

function cryptosignAuthentication(options: CryptosignAuthOptions, authid: string | undefined): ClientAuthentication {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('auth.cryptosign: give { privateKey }');
  const key = options.privateKey instanceof CryptosignKey ? options.privateKey : CryptosignKey.load(options.privateKey);
  const routerKeys =
    options.routerKey === undefined
      ? []
      : typeof options.routerKey === 'string'
        ? [options.routerKey]
        : [...options.routerKey];
  const ourChallenge = routerKeys.length > 0 ? createCryptosignChallenge() : undefined;
  const binding = options.channelBinding;
  const authextra: Dict = { pubkey: key.publicKey };
  if (binding !== undefined) authextra['channel_binding'] = binding.type;
  if (ourChallenge !== undefined) authextra['challenge'] = ourChallenge;
  return {
    authmethods: [AuthMethod.CRYPTOSIGN],
    authid: options.authid ?? authid,
    authextra,
    answer: (challenge) => {
      expectMethod(challenge, AuthMethod.CRYPTOSIGN);
      const { extra } = challenge;
      // Spec: "The authenticating client MUST verify the actual channel binding in use matches
      // the one it requested."
      if ((extra['channel_binding'] ?? null) !== (binding?.type ?? null)) {
        throw new InvalidArgumentError('cryptosign: the router did not use the channel binding requested');
      }
      const channelId = channelIdOf(binding);
      if (ourChallenge !== undefined) {
        const pubkey = extra['pubkey'];
        const signature = extra['signature'];
        const trusted = typeof pubkey === 'string' && routerKeys.some((known) => sameKey(known, pubkey));
        if (
          !trusted ||
          typeof signature !== 'string' ||
          !verifyRouterSignature(pubkey, ourChallenge, signature, channelId)
        ) {
          throw new InvalidArgumentError('cryptosign: the router did not prove it holds a trusted router key');
        }
      }
      const value = extra['challenge'];
      if (typeof value !== 'string')
        throw new InvalidArgumentError('cryptosign: CHALLENGE.Extra.challenge is not a string');
      return key.sign(value, channelId);
    },
    checkWelcome: () => undefined,
  };
}

function sameKey(known: string, pubkey: string): boolean {
  try {
    return bytesToHex(parseCryptosignPublicKey(known)) === bytesToHex(parseCryptosignPublicKey(pubkey));
  } catch {
    return false;
  }
}
