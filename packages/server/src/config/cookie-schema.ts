/**
 * Crossbar's `cookie` block of a WebSocket transport or path: cookie tracking (the `cbtid`
 * cookie), which `cookie` authentication builds on. Every key has its Crossbar meaning; the
 * tracker is packages/server/src/transports/cookie-tracker.ts.
 *
 * @example
 * "cookie": { "name": "cbtid", "length": 24, "max_age": 604800,
 *             "store": { "type": "file", "filename": "cookies.dat" } }
 */
import type { z } from 'zod';
import { boolean, integer, nonEmptyString, oneOf, section, tagged, value } from './schema-builders.js';

/** RFC 6265 cookie names: an HTTP token. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Where cookies are remembered. */
const storeSchema = tagged(
  'cookie store type',
  {
    /** In memory: a restart forgets every cookie (Crossbar's default). */
    memory: section({ type: oneOf(['memory']) }),
    /** A file of the node directory: authenticated cookies survive a restart. */
    file: section({
      type: oneOf(['file']),
      filename: nonEmptyString(),
      /** Start with no cookies, whatever the file holds. */
      purge_on_startup: boolean().optional(),
    }),
  },
  // Crossbar's LMDB-backed store; the file store keeps the same across restarts.
  ['database'],
);

/** A validated `cookie` block. */
export const cookieSchema = section({
  /** Cookie name; default `cbtid`. */
  name: value<string>(
    "a cookie name (letters, digits and !#$%&'*+-.^_`|~)",
    (v) => typeof v === 'string' && COOKIE_NAME.test(v),
  ).optional(),
  /** Characters of the random cookie value, 6..64; default 24. */
  length: integer(6, 64).optional(),
  /** Lifetime in seconds, up to 10 years; default 604800 (7 days). */
  max_age: integer(1, 86400 * 360 * 10).optional(),
  store: storeSchema.optional(),
  /** Always mark the cookie `Secure` (it is anyway on a TLS connection). */
  secure: boolean().optional(),
  /** `HttpOnly`: scripts of the page cannot read the cookie. Interchange's default is true. */
  http_strict: boolean().optional(),
  /** The cookie's `SameSite`; default `Lax`. */
  same_site: oneOf(['Strict', 'Lax', 'None']).optional(),
});

/** A validated `cookie` block. */
export type CookieConfig = z.output<typeof cookieSchema>;
