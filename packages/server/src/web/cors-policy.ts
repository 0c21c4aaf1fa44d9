/**
 * Which other origins a browser lets read an HTTP path's answers (CORS), and which may use a
 * path at all. Crossbar echoes any `Origin` back with `Access-Control-Allow-Credentials: true`
 * on long-poll, the HTTP bridge, static and JSON paths: any web site could then drive them from
 * a visitor's browser, with the visitor's cookies and network position. Here an origin is echoed
 * with credentials only when the path's `allowed_origins` lists it (the patterns of the WebSocket
 * option of that name: `*` for any run of characters, `"*"` alone for every origin, `null`
 * included). Otherwise:
 *
 * - public paths (static files, JSON values, with Crossbar's `allow_cross_origin` on) answer
 *   `Access-Control-Allow-Origin: *` with no credentials: anyone may read public content, no one
 *   with the visitor's cookies;
 * - paths that act (long-poll, the HTTP bridge, SSE) serve requests without an `Origin` (curl,
 *   servers) and from their own origin, and refuse other origins with 403, which also stops a
 *   form post from another site (a "simple" request the browser sends without asking first).
 *
 * See docs/security.md, "Cross-origin requests".
 */
import type { IncomingMessage } from 'node:http';
import { originMatcher } from '../transports/websocket-settings.js';

/** What a path lets other origins do when its `allowed_origins` does not list them. */
export type CorsDefault = 'public' | 'same-origin' | 'none';

/** The answer to one request's `Origin`. */
export type CorsDecision = { allowed: true; headers: Record<string, string> } | { allowed: false; origin: string };

/** Whether `origin` names the host the request was sent to (the browser's own origin). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.trim().toLowerCase();
  } catch {
    return false;
  }
}

/** The CORS rules of one path. */
export class CorsPolicy {
  readonly #listed: ((origin: string) => boolean) | undefined;
  readonly #fallback: CorsDefault;

  /**
   * @param allowedOrigins the path's `allowed_origins`; without it only the fallback applies.
   * @param fallback `public`: `*` without credentials; `same-origin`: other origins refused;
   *   `none`: no CORS headers, nothing refused (Crossbar's `allow_cross_origin: false`).
   */
  constructor(allowedOrigins: readonly string[] | undefined, fallback: CorsDefault) {
    this.#listed = allowedOrigins === undefined ? undefined : originMatcher(allowedOrigins);
    this.#fallback = fallback;
  }

  /** The CORS headers of an answer on a path that refuses nothing (`public` and `none`). */
  headers(req: IncomingMessage): Record<string, string> {
    const decision = this.decide(req);
    return decision.allowed ? decision.headers : {};
  }

  /** Decides a request; the headers go on its answer (preflight included). */
  decide(req: IncomingMessage): CorsDecision {
    const origin = req.headers.origin;
    const vary: Record<string, string> = this.#listed === undefined ? {} : { vary: 'Origin' };
    if (origin !== undefined && this.#listed?.(origin) === true) {
      const headers: Record<string, string> = {
        ...vary,
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
      };
      const requested = req.headers['access-control-request-headers'];
      if (requested !== undefined) headers['access-control-allow-headers'] = requested;
      return { allowed: true, headers };
    }
    if (this.#fallback === 'public') {
      const headers: Record<string, string> = { ...vary, 'access-control-allow-origin': '*' };
      const requested = req.headers['access-control-request-headers'];
      if (requested !== undefined) headers['access-control-allow-headers'] = requested;
      return { allowed: true, headers };
    }
    if (origin === undefined || this.#fallback === 'none' || sameOrigin(origin, req.headers.host))
      return { allowed: true, headers: vary };
    return { allowed: false, origin };
  }
}
