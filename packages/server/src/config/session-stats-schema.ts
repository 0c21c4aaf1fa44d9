/**
 * Crossbar's realm `stats` block: each session's traffic statistics, published as
 * `wamp.session.on_stats` meta events (router meta/session-stats.ts; docs/crossbar-migration.md).
 *
 * @example
 * "stats": { "rated_message_size": 256, "trigger_after_rated_messages": 10, "trigger_on_join": true }
 */
import type { SessionStatsConfig } from '@interchange/router';
import { z } from 'zod';
import { boolean, integer, section } from './schema-builders.js';

export const sessionStatsSchema = section({
  /** Bytes per rated message, a positive even number (Crossbar's check); 512 by default. */
  rated_message_size: integer(2, 2 ** 30).optional(),
  /** Publish after this many rated messages either way; 0: not for that reason. */
  trigger_after_rated_messages: integer(0, 2 ** 31).optional(),
  /** Publish after this many seconds, checked when traffic passes; 0: not for that reason. */
  trigger_after_duration: integer(0, 2 ** 31).optional(),
  trigger_on_join: boolean().optional(),
  trigger_on_leave: boolean().optional(),
}).superRefine((stats, ctx) => {
  if (stats.rated_message_size !== undefined && stats.rated_message_size % 2 !== 0)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['rated_message_size'],
      message: 'rated_message_size must be an even number of bytes',
    });
  if ((stats.trigger_after_rated_messages ?? 0) === 0 && (stats.trigger_after_duration ?? 0) === 0)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: [],
      message: 'stats needs trigger_after_rated_messages or trigger_after_duration (or both) above 0',
    });
});

/** The router's shape of a `stats` block (the same keys, without the absent ones). */
export function sessionStatsOf(entry: z.output<typeof sessionStatsSchema>): SessionStatsConfig {
  const out: SessionStatsConfig = {};
  for (const [key, value] of Object.entries(entry)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}
