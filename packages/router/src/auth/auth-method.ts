/**
 * The router side of one authentication method: what it answers to a HELLO (WELCOME at once, a
 * CHALLENGE, or failure) and how it checks the AUTHENTICATE that answers its CHALLENGE (spec:
 * advanced profile "Authentication"). Each method lives in its own `method-*.ts` file; the
 * session flow around them (method choice, expiry, single use, throttling) is in
 * `session-authentication.ts`.
 */
import { type Dict, hmacSha256, type Id, utf8Bytes } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { TransportInfo } from '../session/peer.js';
import { peerCertDetails } from './peer-cert.js';
import type { Principal } from './principal.js';
import type { ExternalAuthConfig, TransportCredentials } from './transport-auth.js';

/** What a method learns of an authenticating client. */
export interface AuthRequest {
  /**
   * `HELLO.Realm`, or `''` when the client named none: then a principal's `realm` (static) or
   * the authenticator's answer assigns it, and a dynamic authenticator is asked with `null`.
   */
  realm: string;
  /** `HELLO.Details.authid`, when the client sent one. */
  authid: string | undefined;
  /** `HELLO.Details.authrole`, when the client sent one (a wish, never taken over by itself). */
  authrole: string | undefined;
  /** `HELLO.Details.authextra`, `{}` when absent. */
  authextra: Dict;
  /** The session ID the client gets if it authenticates (WAMP-CRA puts it in its challenge). */
  session: Id;
  transport: TransportInfo;
  credentials: TransportCredentials;
}

/** A successful authentication. */
export interface AuthAccepted {
  kind: 'welcome';
  principal: Principal;
}

/**
 * A failed authentication. `log` says why, for the router's log only: the client is never told
 * which part was wrong (spec: advanced "Authentication"; the ABORT is the same for every cause).
 */
export interface AuthFailed {
  kind: 'fail';
  log: string;
  /**
   * The ABORT the client gets instead of the uniform one: set only when a dynamic authenticator
   * refused with an error URI of its own (Crossbar passes those on, and applications rely on
   * them, e.g. `com.example.invalid_ticket`). Static authentication never sets it.
   */
  abort?: { reason: string; message?: string };
}

/** The method cannot run for this client (e.g. `tls` without a client certificate): try the next one. */
export interface AuthSkipped {
  kind: 'skip';
  log: string;
}

/** A CHALLENGE to send, and how to check its answer. */
export interface AuthChallenge {
  kind: 'challenge';
  /** `CHALLENGE.Extra`. */
  extra: Dict;
  /** Checks `AUTHENTICATE.Signature` and `AUTHENTICATE.Extra`. Called at most once. */
  verify(signature: string, extra: Dict): AuthAccepted | AuthFailed | Promise<AuthAccepted | AuthFailed>;
}

/** What a method answers to a HELLO. */
export type HelloOutcome = AuthAccepted | AuthFailed | AuthSkipped | AuthChallenge;

/** A value now, or later. */
export type MaybePromise<T> = T | Promise<T>;

/** What methods need from the router. */
export interface AuthMethodContext {
  readonly logger: Logger;
  /** Milliseconds since the epoch (the router's clock), for timestamps. */
  now(): number;
  /** A random key of this router, so mock challenges are the same for the same unknown authid. */
  readonly mockKey: Uint8Array;
  /** The router's Ed25519 private key (seed), for cryptosign router authentication, if configured. */
  readonly routerKey: Uint8Array | undefined;
  /**
   * Calls a dynamic authenticator: `procedure(realm, authid, details)` on the configured realm
   * (or `realm`), or the authenticator function, within the authenticator timeout. Resolves with
   * `RESULT.Arguments[0]` (or what the function returned); rejects on ERROR (or what the function
   * threw), timeout or when it cannot be called.
   */
  callAuthenticator(config: ExternalAuthConfig, realm: string, args: unknown[]): Promise<unknown>;
}

/** The router side of one authentication method. */
export interface AuthMethodHandler {
  /** The authmethod name it answers to (in `HELLO.Details.authmethods`). */
  readonly name: string;
  hello(request: AuthRequest): MaybePromise<HelloOutcome>;
}

/** A failure, for the log only. */
export function fail(log: string): AuthFailed {
  return { kind: 'fail', log };
}

/**
 * Whether a failure carries the authenticator's own error for the client; methods that would
 * answer a failure with a mock challenge let such a failure through instead.
 */
export function isAuthenticatorRefusal(outcome: AuthFailed): boolean {
  return outcome.abort !== undefined;
}

/**
 * `details` of a dynamic authenticator call, in Crossbar's shape: the pending session, the
 * method, what the client sent in HELLO, and the transport (with the HTTP headers of the opening
 * handshake, which an authenticator may need, e.g. for its own cookies).
 */
export function authenticatorDetails(request: AuthRequest, authmethod: string, more: Dict = {}): Dict {
  const { type, serializer, peer, httpHeaders } = request.transport;
  const transport: Dict = { type, serializer, peer };
  if (httpHeaders !== undefined) transport['http_headers_received'] = httpHeaders;
  const certificate = request.credentials.clientCertificate;
  if (certificate !== undefined) transport['peer_cert'] = peerCertDetails(certificate);
  const details: Dict = {
    session: request.session,
    authmethod,
    authid: request.authid ?? null,
    authrole: request.authrole ?? null,
    authextra: request.authextra,
    transport,
    ...more,
  };
  return details;
}

/**
 * Bytes that look random but are the same for the same `label` and `authid` on this router:
 * the salt of a mock challenge for an unknown authid, so that asking twice does not reveal that
 * it is made up (spec: advanced "Salted Challenge Response Authentication": "a mock CHALLENGE
 * ... SHOULD contain a generated salt value that is always the same for a given authid").
 */
export function mockBytes(context: AuthMethodContext, label: string, authid: string, length: number): Uint8Array {
  return hmacSha256(context.mockKey, utf8Bytes(`${label}\u0000${authid}`)).slice(0, length);
}

/** A challenge whose answer always fails: sent for unknown principals, so they look like known ones. */
export function mockChallenge(extra: Dict, log: string): AuthChallenge {
  return { kind: 'challenge', extra, verify: () => fail(log) };
}

/** Describes a rejection for the log without copying anything the authenticator was sent. */
export function describeError(error: unknown): string {
  if (
    typeof error === 'object' &&
    error !== null &&
    'uri' in error &&
    typeof (error as { uri: unknown }).uri === 'string'
  ) {
    return (error as { uri: string }).uri;
  }
  return error instanceof Error ? error.message : String(error);
}
