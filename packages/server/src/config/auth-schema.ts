/**
 * The `auth` block of a transport (or WebSocket path), as Crossbar.io writes it: one key per
 * method, each `type: static` with its `principals` (or, for WAMP-CRA, `users`), or
 * `type: dynamic` with an `authenticator` procedure and optionally its `authenticator-realm`.
 * The validated block is what the router takes as `transportAuth`; {@link transportAuthOf}
 * hands it over.
 *
 * @example
 * "auth": {
 *   "wampcra": { "type": "dynamic", "authenticator": "api.auth" },
 *   "ticket": { "type": "static", "principals": { "joe": { "ticket": "secret!!!", "role": "frontend" } } },
 *   "anonymous": { "type": "static", "role": "public" }
 * }
 */
import type {
  CryptosignAuthConfig,
  DynamicAuthConfig,
  ScramAuthConfig,
  TicketAuthConfig,
  TlsAuthConfig,
  TransportAuthConfig,
  WampCraAuthConfig,
} from '@interchange/router';
import { z } from 'zod';
import { type FunctionBlock, functionBlockSchema, loadedFunction } from './auth-functions.js';
import {
  integer,
  keyedBy,
  list,
  nonEmptyString,
  oneOf,
  type Schema,
  section,
  tagged,
  value,
} from './schema-builders.js';

/** A validated dynamic method (Crossbar's `authenticator-role` is accepted, and has no effect). */
type Dynamic = DynamicAuthConfig & { 'authenticator-role'?: string };
/**
 * A validated `anonymous` block. The dynamic form has no `role`, written as `role?: undefined` so
 * that `auth.anonymous?.role` reads the same for both.
 */
export type AnonymousConfig =
  | { type: 'static'; role: string; authid?: string; realm?: string }
  | (Dynamic & { role?: undefined });
/** A validated method with static principals, an authenticator procedure or a function. */
type Method<T extends { type: 'static' }> = T | Dynamic | FunctionBlock;

/** A WAMP URI (loose rules), for authenticator procedures and realms. */
const LOOSE_URI = /^([^\s.#]+\.)*[^\s.#]+$/;
const uri = (what: string) =>
  value<string>(
    `${what} (a WAMP URI such as "com.example.authenticate")`,
    (v) => typeof v === 'string' && LOOSE_URI.test(v),
  );
const hex = (bytes?: number) =>
  value<string>(
    bytes === undefined ? 'hex digits' : `${bytes * 2} hex digits`,
    (v) =>
      typeof v === 'string' &&
      v.length % 2 === 0 &&
      /^[0-9a-fA-F]+$/.test(v) &&
      (bytes === undefined || v.length === bytes * 2),
  );

/** `authenticate(realm, authid, details)` on `authenticator-realm` (default: the realm asked for). */
const dynamicSchema = section({
  type: oneOf(['dynamic']),
  authenticator: uri('the authenticator procedure'),
  'authenticator-realm': uri('a realm').optional(),
  /**
   * Crossbar's role of the session that calls the authenticator. Interchange calls it as the
   * router (the built-in `trusted` role), so the value is accepted and has no effect.
   */
  'authenticator-role': nonEmptyString().optional(),
});

/** What every principal may carry besides its credential. */
const principalShape = {
  role: nonEmptyString(),
  /** Puts the principal on this realm whatever realm the client asked for. */
  realm: uri('a realm').optional(),
  /** `WELCOME.Details.authextra`. */
  extra: z.record(z.string(), z.unknown()).optional(),
};

const principals = <T>(item: z.ZodType<T, z.ZodTypeDef, unknown>) =>
  keyedBy('an authid', (key) => key.length > 0, item);

/** Crossbar refuses a `function` anonymous authenticator too (its checkconfig has no such case). */
const CROSSBAR_ONLY_TYPES = ['function'];

/** The auth methods a transport may allow, by name (Crossbar's names). */
export const authMethodSchemas = {
  anonymous: (
    tagged(
      'anonymous auth type',
      {
        static: section({
          type: oneOf(['static']),
          /** The `authrole` anonymous sessions get. */
          role: nonEmptyString().default('anonymous'),
          /** A fixed authid instead of a random one per session. */
          authid: nonEmptyString().optional(),
          /**
           * Puts anonymous sessions on this realm whatever realm the client asked for, as a
           * principal's `realm` does. Crossbar's checker accepts the key but its router ignores it.
           */
          realm: uri('a realm').optional(),
        }),
        dynamic: dynamicSchema,
      },
      CROSSBAR_ONLY_TYPES,
    ) as Schema<AnonymousConfig>
  ).optional(),
  ticket: (
    tagged('ticket auth type', {
      static: section({
        type: oneOf(['static']),
        principals: principals(section({ ...principalShape, ticket: nonEmptyString() })),
      }),
      dynamic: dynamicSchema,
      function: functionBlockSchema,
    }) as Schema<Method<Extract<TicketAuthConfig, { type: 'static' }>>>
  ).optional(),
  wampcra: (
    tagged('wampcra auth type', {
      static: section({
        type: oneOf(['static']),
        users: principals(
          section({
            ...principalShape,
            secret: nonEmptyString(),
            /** With `salt`, the secret is salted (PBKDF2); `iterations` and `keylen` default to 1000 and 32. */
            salt: nonEmptyString().optional(),
            iterations: integer(1).optional(),
            keylen: integer(1, 1024).optional(),
          }),
        ),
      }),
      dynamic: dynamicSchema,
      function: functionBlockSchema,
    }) as Schema<Method<Extract<WampCraAuthConfig, { type: 'static' }>>>
  ).optional(),
  /** WAMP-SCRAM; clients may ask for it as `wamp-scram` (the spec's name) or `scram` (Crossbar's). */
  scram: (
    tagged('scram auth type', {
      static: section({
        type: oneOf(['static']),
        principals: principals(
          section({
            ...principalShape,
            kdf: oneOf(['argon2id13', 'argon2id-13', 'pbkdf2']),
            iterations: integer(1),
            /** Argon2id memory in KiB (required for Argon2id). */
            memory: integer(8).optional(),
            salt: hex(),
            'stored-key': hex(32),
            'server-key': hex(32),
          }).superRefine((principal, ctx) => {
            if (principal.kdf !== 'pbkdf2' && principal.memory === undefined) {
              ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ['memory'],
                message: 'required for argon2id: the memory cost in KiB',
              });
            }
          }),
        ),
      }),
      dynamic: dynamicSchema,
      function: functionBlockSchema,
    }) as Schema<Method<Extract<ScramAuthConfig, { type: 'static' }>>>
  ).optional(),
  cryptosign: (
    tagged('cryptosign auth type', {
      static: section({
        type: oneOf(['static']),
        principals: principals(
          section({
            ...principalShape,
            /** Ed25519 public keys: 64 hex digits or `ssh-ed25519 ...` lines. */
            authorized_keys: list(
              value<string>(
                'an Ed25519 public key (64 hex digits or an ssh-ed25519 line)',
                (v) =>
                  typeof v === 'string' && (/^[0-9a-fA-F]{64}$/.test(v.trim()) || v.trim().startsWith('ssh-ed25519 ')),
              ),
              { nonEmpty: true },
            ),
          }),
        ),
      }),
      dynamic: dynamicSchema,
      function: functionBlockSchema,
    }) as Schema<Method<Extract<CryptosignAuthConfig, { type: 'static' }>>>
  ).optional(),
  /** TLS client certificates; the transport must be TLS and ask for client certificates. */
  tls: (
    tagged('tls auth type', {
      static: section({
        type: oneOf(['static']),
        principals: principals(
          section({
            ...principalShape,
            'certificate-sha1': value<string>(
              'a SHA-1 fingerprint (hex, colons allowed)',
              (v) => typeof v === 'string' && v.replace(/:/g, '').length === 40 && /^[0-9a-fA-F:]+$/.test(v),
            ),
          }),
        ),
      }),
      dynamic: dynamicSchema,
      function: functionBlockSchema,
    }) as Schema<Method<Extract<TlsAuthConfig, { type: 'static' }>>>
  ).optional(),
  /** A cookie of a web transport, once an earlier connection with it authenticated. */
  cookie: (section({ type: oneOf(['static']).optional() }) as Schema<{ type?: 'static' }>).optional(),
};

/** The names of {@link authMethodSchemas}, for messages. */
export const AUTH_METHOD_NAMES = Object.keys(authMethodSchemas);

/** A validated `auth` block. */
export type AuthConfig = { [K in keyof typeof authMethodSchemas]?: z.output<(typeof authMethodSchemas)[K]> };

/** One router config per validated block, so the router builds each block's methods once. */
const converted = new WeakMap<object, TransportAuthConfig>();

/**
 * The router's `transportAuth` for a validated `auth` block (the same object each time for the
 * same block), or `undefined` without one: then the transport's sessions are anonymous, with
 * role `anonymous`, as in Crossbar.
 */
export function transportAuthOf(auth: AuthConfig | undefined): TransportAuthConfig | undefined {
  if (auth === undefined) return undefined;
  let config = converted.get(auth);
  if (config === undefined) {
    // The shapes are the router's (both are Crossbar's); only absent keys are dropped, and a
    // `function` block becomes the function loaded for it (see auth-functions.ts).
    config = JSON.parse(JSON.stringify(auth)) as TransportAuthConfig;
    for (const [method, block] of Object.entries(auth)) {
      if (block?.type === 'function')
        (config as Record<string, unknown>)[method] = {
          type: 'function',
          authenticate: loadedFunction(block as FunctionBlock),
        };
    }
    converted.set(auth, config);
  }
  return config;
}

/** The `connect` options of a transport with this `auth` block: the anonymous role, and the methods. */
export function acceptAuthOf(auth: AuthConfig | undefined): { transportAuth?: TransportAuthConfig } {
  const transportAuth = transportAuthOf(auth);
  return transportAuth === undefined ? {} : { transportAuth };
}
