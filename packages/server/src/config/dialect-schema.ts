/**
 * The realm's `dialect` block, an Interchange addition beside Crossbar's realm keys: where the
 * WAMP spec text and Crossbar.io differ and code depends on Crossbar's side, which side the realm
 * takes. Without the block, Crossbar's (packages/router/src/realm/wamp-dialect.ts); the reasons are in
 * docs/crossbar-migration.md ("WAMP behaviour where the spec and Crossbar differ").
 *
 * @example
 * "dialect": { "goodbye_reply": "wamp.close.goodbye_and_out", "session_on_leave": "spec",
 *              "call_timeout_unit": "milliseconds" }
 */
import type { WampDialectConfig } from '@interchange/router';
import type { z } from 'zod';
import { oneOf, section } from './schema-builders.js';

export const dialectSchema = section({
  /** The reason of the GOODBYE answering a client's GOODBYE. */
  goodbye_reply: oneOf(['wamp.close.normal', 'wamp.close.goodbye_and_out']).optional(),
  /** `crossbar`: `wamp.session.on_leave` carries `[session]`; `spec`: `[session, authid, authrole]`. */
  session_on_leave: oneOf(['crossbar', 'spec']).optional(),
  /** How `CALL.Options.timeout` is read from a caller that did not announce `call_timeout`. */
  call_timeout_unit: oneOf(['seconds', 'milliseconds']).optional(),
});

/** A realm's `dialect` block as written in the config. */
export type DialectConfigEntry = z.output<typeof dialectSchema>;

/** The router's shape of a `dialect` block. */
export function dialectOf(entry: DialectConfigEntry): WampDialectConfig {
  const out: WampDialectConfig = {};
  if (entry.goodbye_reply !== undefined) out.goodbyeReply = entry.goodbye_reply;
  if (entry.session_on_leave !== undefined) out.sessionOnLeave = entry.session_on_leave;
  if (entry.call_timeout_unit !== undefined) out.unannouncedCallTimeout = entry.call_timeout_unit;
  return out;
}
