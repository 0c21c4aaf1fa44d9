/**
 * Where Crossbar.io and the WAMP spec text disagree, and code written against Crossbar depends on
 * Crossbar's side: which side a realm takes. The defaults are Crossbar's, so Crossbar-era clients
 * move over unchanged; each point can be switched to the spec's reading per realm. The reasons,
 * point by point, are in docs/crossbar-migration.md ("WAMP behaviour where the spec and Crossbar
 * differ").
 */
import { ErrorUri } from '@interchange/protocol';

/**
 * A realm's choices where the spec and Crossbar differ (config: the realm's `dialect` block).
 *
 * @example
 * const realm: RealmConfig = { name: 'realm1', dialect: { sessionOnLeave: 'spec' } };
 */
export interface WampDialectConfig {
  /**
   * The reason of the GOODBYE that answers a client's GOODBYE: `wamp.close.normal` (Crossbar;
   * Autobahn|Python programs check for it) or `wamp.close.goodbye_and_out` (the spec's example).
   * Default `wamp.close.normal`.
   */
  goodbyeReply?: 'wamp.close.normal' | 'wamp.close.goodbye_and_out';
  /**
   * The positional arguments of `wamp.session.on_leave`: `crossbar` sends `[session]` (Python
   * handlers written for Crossbar take exactly one argument), `spec` sends
   * `[session, authid, authrole]`. Default `crossbar`.
   */
  sessionOnLeave?: 'crossbar' | 'spec';
  /**
   * How `CALL.Options.timeout` is read from a caller that did not announce the `call_timeout`
   * feature in HELLO (Autobahn|Python and Autobahn|JS do not): `seconds`, as Crossbar reads it and
   * Autobahn|Python documents it, or `milliseconds`, as the spec writes. A caller that announced
   * `call_timeout` follows the spec and is always read in milliseconds. Default `seconds`.
   */
  unannouncedCallTimeout?: 'seconds' | 'milliseconds';
}

/** A {@link WampDialectConfig} with every choice made. */
export type WampDialect = Readonly<Required<WampDialectConfig>>;

/** Crossbar's side on every point. */
export const CROSSBAR_DIALECT: WampDialect = Object.freeze({
  goodbyeReply: ErrorUri.NORMAL,
  sessionOnLeave: 'crossbar',
  unannouncedCallTimeout: 'seconds',
});

/** The realm's dialect: Crossbar's, with the choices `config` makes. */
export function resolveDialect(config: WampDialectConfig | undefined): WampDialect {
  if (config === undefined) return CROSSBAR_DIALECT;
  return Object.freeze({ ...CROSSBAR_DIALECT, ...definedOnly(config) });
}

function definedOnly(config: WampDialectConfig): WampDialectConfig {
  const out: WampDialectConfig = {};
  if (config.goodbyeReply !== undefined) out.goodbyeReply = config.goodbyeReply;
  if (config.sessionOnLeave !== undefined) out.sessionOnLeave = config.sessionOnLeave;
  if (config.unannouncedCallTimeout !== undefined) out.unannouncedCallTimeout = config.unannouncedCallTimeout;
  return out;
}
