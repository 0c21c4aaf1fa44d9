/**
 * The `sse` path (Interchange addition): a realm's events as Server-Sent Events, for browsers'
 * `EventSource`, curl and anything else that reads a plain HTTP stream. The stream joins the realm
 * as a session of its own, authenticated by the path's `auth` block (or with `role` when it has
 * none) and authorized as any subscriber is. See docs/sse.md.
 *
 * @example
 * "events": { "type": "sse", "realm": "realm1", "role": "anonymous",
 *             "options": { "heartbeat_interval": 15, "max_streams": 1000 } }
 */
import { z } from 'zod';
import { allowedOriginsSchema } from './cors-schema.js';
import { authSchema } from './path-schema.js';
import { integer, nonEmptyString, oneOf, section, value } from './schema-builders.js';

/** An `sse` path of a web transport. */
export const ssePathSchema = section({
  type: oneOf(['sse']),
  /** The realm the streams join. */
  realm: nonEmptyString(),
  /** The authrole of a stream that does not authenticate (without an `auth` block); default `anonymous`. */
  role: nonEmptyString().optional(),
  /** `ticket` (from the `Authorization` header), `cookie` and `anonymous`, as a transport's `auth` block. */
  // Lazy: path-schema.ts imports this file, and its `authSchema` is defined after the import.
  auth: z.lazy(() => authSchema).optional(),
  /**
   * The URL path of a WebSocket path of the same transport, e.g. `/ws`, whose tracked cookies
   * (Crossbar's `cbtid`) authenticate streams as the principal the cookie last authenticated as.
   * The stream reads cookies; it never hands one out.
   */
  cookie_store: value<string>(
    'a URL path such as "/ws"',
    (v) => typeof v === 'string' && /^\/[^?#\s]*$/.test(v),
  ).optional(),
  options: section({
    /** Seconds between heart-beat comments on an idle stream; 0 sends none (default 15). */
    heartbeat_interval: integer(0, 86_400).optional(),
    /** Bytes a stream may have waiting for a slow reader before it is cut (default 8 MiB, as WebSocket's). */
    outbound_limit: integer(1024, 2 ** 31 - 1).optional(),
    /** Streams open at once on this path; more are answered 503 (default 1000). */
    max_streams: integer(1, 1_000_000).optional(),
    /** Milliseconds a client is told to wait before reconnecting (the stream's `retry:` field; default: the browser's). */
    retry: integer(0, 86_400_000).optional(),
    /** Pages of these other origins may open streams, with credentials (CORS); others get 403. */
    allowed_origins: allowedOriginsSchema.optional(),
  }).optional(),
}).superRefine((path, ctx) => {
  // With an auth block the anonymous role is auth.anonymous.role: a `role` beside it would do nothing.
  if (path.role !== undefined && path.auth !== undefined)
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['role'],
      message: 'with an "auth" block, give the role of unauthenticated streams in auth.anonymous.role',
    });
});

/** An `sse` path. */
export type SsePathConfig = z.output<typeof ssePathSchema>;
