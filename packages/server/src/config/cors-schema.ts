/**
 * `allowed_origins` of the HTTP paths (long-poll, the HTTP bridge, static, JSON, SSE): the
 * origins whose pages may use the path with the visitor's credentials, as patterns with `*` for
 * any run of characters (the syntax of the WebSocket option of that name). What a path does for
 * origins not listed is in web/cors-policy.ts and docs/security.md.
 */
import { anyString, list } from './schema-builders.js';

/** A list of origin patterns, e.g. `["https://app.example.com", "https://*.example.com"]`. */
export const allowedOriginsSchema = list(anyString());
