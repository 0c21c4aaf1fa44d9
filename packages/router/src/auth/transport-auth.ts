/**
 * What a transport lets its clients authenticate with: Crossbar.io's transport `auth` block, one
 * key per method, each `type: static` (principals in the config) or `type: dynamic` (a procedure
 * that answers with the principal). The shapes are Crossbar's, so a Crossbar config moves over
 * unchanged (docs/architecture.md, "Wire and compatibility contracts"), and the server hands its validated
 * config to `router.connect(peer, { transportAuth })` as it is.
 *
 * @example
 * const transportAuth: TransportAuthConfig = {
 *   ticket: { type: 'static', principals: { joe: { ticket: 'secret!!!', role: 'frontend' } } },
 *   wampcra: { type: 'dynamic', authenticator: 'com.example.authenticate' },
 *   anonymous: { type: 'static', role: 'public' },
 * };
 */
import type { Dict } from '@interchange/protocol';

/**
 * A method whose principals come from a procedure, called as
 * `authenticate(realm, authid, details)` (Crossbar's dynamic authenticators).
 */
export interface DynamicAuthConfig {
  type: 'dynamic';
  /** The procedure URI. */
  authenticator: string;
  /** The realm the procedure is registered on; defaults to the realm the client asked for. */
  'authenticator-realm'?: string;
}

/**
 * An authenticator function, the in-process counterpart of a dynamic authenticator procedure:
 * called as `authenticate(realm, authid, details)` with what a procedure would get, answering
 * the same way (a role name, or a principal dict with the method's credential), at once or as a
 * promise. An error with a `uri` outside `wamp.` reaches the client in ABORT, as from a procedure.
 */
export type AuthenticateFunction = (realm: string | null, authid: string | null, details: Dict) => unknown;

/**
 * A method whose principals come from an {@link AuthenticateFunction} (Crossbar's `function`
 * authenticators; the server loads it from a JS module of the node directory).
 */
export interface FunctionAuthConfig {
  type: 'function';
  authenticate: AuthenticateFunction;
}

/** A method whose principals are decided outside the config: a procedure or a function. */
export type ExternalAuthConfig = DynamicAuthConfig | FunctionAuthConfig;

/** The fields every static principal may have besides its credential. */
export interface PrincipalFields {
  /** The role the principal gets. */
  role: string;
  /** Puts the principal on this realm, whatever realm the client asked for. */
  realm?: string;
  /** Sent to the client in `WELCOME.Details.authextra`. */
  extra?: Dict;
}

/** `anonymous`: everyone is let in under one role, with a random authid unless `authid` is set. */
/** `anonymous`; a static `realm` puts every anonymous session on that realm, as a principal's `realm` does. */
export type AnonymousAuthConfig =
  | { type: 'static'; role?: string; authid?: string; realm?: string }
  | DynamicAuthConfig;

/** A principal of static `ticket` authentication. */
export interface TicketPrincipal extends PrincipalFields {
  ticket: string;
}
/** `ticket`: principals by authid (spec: advanced "Ticket-based Authentication"). */
export type TicketAuthConfig = { type: 'static'; principals: Record<string, TicketPrincipal> } | ExternalAuthConfig;

/** A user of static `wampcra` authentication; `salt`, `iterations` and `keylen` for a salted secret. */
export interface WampCraUser extends PrincipalFields {
  secret: string;
  salt?: string;
  iterations?: number;
  keylen?: number;
}
/** `wampcra`: users by authid (spec: advanced "Challenge Response Authentication"). */
export type WampCraAuthConfig = { type: 'static'; users: Record<string, WampCraUser> } | ExternalAuthConfig;

/** A principal of static SCRAM authentication: its credential as Crossbar stores it (hex). */
export interface ScramPrincipal extends PrincipalFields {
  /** `argon2id13` (the spec's name), `argon2id-13` (Crossbar's) or `pbkdf2`. */
  kdf: string;
  iterations: number;
  /** Argon2id memory in KiB. */
  memory?: number;
  salt: string;
  'stored-key': string;
  'server-key': string;
}
/** `scram`: principals by authid (spec: advanced "Salted Challenge Response Authentication"). */
export type ScramAuthConfig = { type: 'static'; principals: Record<string, ScramPrincipal> } | ExternalAuthConfig;

/** A principal of static `cryptosign` authentication: the public keys it may use. */
export interface CryptosignPrincipal extends PrincipalFields {
  /** Ed25519 public keys, 64 hex characters or `ssh-ed25519 ...` lines. */
  authorized_keys: string[];
}
/** `cryptosign`: principals by authid (spec: advanced "Cryptosign-based Authentication"). */
export type CryptosignAuthConfig =
  | { type: 'static'; principals: Record<string, CryptosignPrincipal> }
  | ExternalAuthConfig;

/** A principal of static `tls` authentication: the SHA-1 fingerprint of its client certificate. */
export interface TlsPrincipal extends PrincipalFields {
  /** As `openssl x509 -fingerprint -sha1` prints it (`B6:E5:...`); case and colons do not matter. */
  'certificate-sha1': string;
}
/** `tls`: principals by authid, identified by their TLS client certificate. */
export type TlsAuthConfig = { type: 'static'; principals: Record<string, TlsPrincipal> } | ExternalAuthConfig;

/** `cookie`: a later connection presenting the cookie of an authenticated one joins as the same principal. */
export interface CookieAuthConfig {
  type?: 'static';
}

/** The `auth` block of a transport: the methods it allows, and how each finds its principals. */
export interface TransportAuthConfig {
  anonymous?: AnonymousAuthConfig;
  ticket?: TicketAuthConfig;
  wampcra?: WampCraAuthConfig;
  /** Serves both `wamp-scram` (the spec's authmethod) and `scram` (Crossbar's). */
  scram?: ScramAuthConfig;
  cryptosign?: CryptosignAuthConfig;
  tls?: TlsAuthConfig;
  cookie?: CookieAuthConfig;
}

/** A TLS client certificate as the transport saw it. */
export interface ClientCertificate {
  /** SHA-1 fingerprint, hex (any case, colons allowed). */
  sha1: string;
  /** SHA-256 fingerprint, hex, where known. */
  sha256?: string;
  /** Subject fields, e.g. `{ CN: 'client_0' }`. */
  subject?: Record<string, string>;
  /** Issuer fields. */
  issuer?: Record<string, string>;
  /** Whether the certificate chains to a CA the transport trusts. */
  authorized?: boolean;
}

/** The identity a cookie carries once a connection that set it has authenticated. */
export interface CookieIdentity {
  realm: string;
  authid: string;
  authrole: string;
  authmethod: string;
  authextra?: Dict;
}

/**
 * The cookie of one HTTP connection (Crossbar's `cbtid`), as the web transport tracks it: what
 * it last authenticated as, if anything. The router reads it for `cookie` authentication and
 * writes it after any other successful authentication on the same connection.
 */
export interface CookieHandle {
  get(): CookieIdentity | undefined;
  set(identity: CookieIdentity): void;
  /**
   * Forgets what the cookie authenticated as (a session of this connection said GOODBYE with
   * `wamp.close.logout`); the cookie itself stays, unauthenticated, as Crossbar's `delAuth`.
   */
  logout?(): void;
}

/**
 * What the transport of one connection knows that bears on authentication: TLS channel IDs (for
 * cryptosign and SCRAM channel binding), the client certificate, the cookie.
 */
export interface TransportCredentials {
  /** 32-byte channel IDs by binding type (`tls-unique` is SHA-256 of the first TLS Finished message). */
  channelId?: { 'tls-unique'?: Uint8Array; 'tls-exporter'?: Uint8Array };
  /**
   * Other channel IDs a client may have computed for the same binding type of this same
   * connection. For `tls-unique`: SHA-256 of the *server's* Finished message, which is what
   * Autobahn|Python on Twisted (and so Crossbar) computes on both sides, where its asyncio
   * transport and RFC 5929 take the client's. Both are unique to this connection, so accepting
   * a signature over either binds it to this channel all the same.
   */
  alternateChannelIds?: { 'tls-unique'?: Uint8Array };
  clientCertificate?: ClientCertificate;
  cookie?: CookieHandle;
}
