/**
 * The typed `auth` option of `connect`, `Session` and `Connection`: name a method and its
 * credential, and the session fills in HELLO (`authmethods`, `authid`, `authextra`), answers the
 * CHALLENGE, and checks what WELCOME proves about the router, with no hand-written
 * `onChallenge` (spec: advanced "Authentication" and the section of each method). `anonymous` and
 * `ticket` are built in; the other methods load with their entry point (auth-registry.ts).
 */
import { AuthMethod, type Dict, InvalidArgumentError } from '@interchange/protocol';
import type { CryptosignKey } from './auth-cryptosign.js';
import { loadedAuthentication } from './auth-registry.js';
import type { ScramMinimums } from './auth-scram.js';
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

/** Throws unless the router challenged `method`, the one this client offered. */
export function expectMethod(challenge: Challenge, method: string): void {
  if (challenge.authMethod !== method) {
    throw new InvalidArgumentError(`the router challenged ${challenge.authMethod}, but only ${method} was offered`);
  }
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
  if ('wampcra' in auth) return loadedAuthentication('wampcra', auth.wampcra, authid);
  if ('cryptosign' in auth) return loadedAuthentication('cryptosign', auth.cryptosign, authid);
  if ('scram' in auth) return loadedAuthentication('scram', auth.scram, authid);
  throw new InvalidArgumentError('auth names one method: anonymous, ticket, wampcra, cryptosign or scram');
}

function refuse(method: string): never {
  throw new InvalidArgumentError(`the router sent a CHALLENGE, but only ${method} was offered`);
}
