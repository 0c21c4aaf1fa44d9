/**
 * A router worker's `options.auth_throttle`, an Interchange addition: the limits of the login
 * throttle (packages/router/src/auth/auth-throttle.ts; docs/security.md). Times in milliseconds.
 *
 * @example
 * "options": { "auth_throttle": { "authid": { "max_failures": 5, "window": 60000, "lockout": 60000 },
 *                                 "address": false } }
 */
import type { ThrottleLimits, ThrottleOptions } from '@interchange/router';
import { z } from 'zod';
import { boolean, integer, section } from './schema-builders.js';

const limitsSchema = section({
  /** Failures (and attempts in flight) within `window` that lock the key out. */
  max_failures: integer(1, 1_000_000),
  /** Milliseconds failures count. */
  window: integer(1, 2 ** 31 - 1),
  /** Milliseconds of the first lockout; each further one doubles, up to 64 times. */
  lockout: integer(1, 2 ** 31 - 1),
});

const limitsOrOff = z.union([limitsSchema, boolean().refine((v) => v === false, 'false (off) or limits')]);

export const authThrottleSchema = section({
  /** Per authid and address pair (default 5 a minute, locked out for a minute, then 2, 4 ...). */
  authid: limitsOrOff.optional(),
  /** Per address across authids (default 20 a minute). */
  address: limitsOrOff.optional(),
});

/** An `auth_throttle` block as written in the config. */
export type AuthThrottleEntry = z.output<typeof authThrottleSchema>;

/** The router's shape of an `auth_throttle` block. */
export function authThrottleOf(entry: AuthThrottleEntry): ThrottleOptions {
  const limits = (v: z.output<typeof limitsSchema> | boolean): ThrottleLimits | false =>
    typeof v === 'boolean' ? false : { maxFailures: v.max_failures, windowMs: v.window, lockoutMs: v.lockout };
  const out: ThrottleOptions = {};
  if (entry.authid !== undefined) out.authid = limits(entry.authid);
  if (entry.address !== undefined) out.address = limits(entry.address);
  return out;
}
