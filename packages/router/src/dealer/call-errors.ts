/**
 * The error URIs the dealer answers a call with that are not the spec's: where a call fails for
 * a bound or a limit of Crossbar's or of Interchange's own.
 */

/**
 * The error a caller gets when every callee that could serve its call is at its concurrency
 * limit. The spec has no such limit; this is Crossbar's extension and Crossbar's URI.
 */
export const MAX_CONCURRENCY_REACHED = 'crossbar.error.max_concurrency_reached';

/**
 * The error of a CALL beyond the realm's `limits.pending_calls_per_session`: the caller has that
 * many calls waiting for their answers (docs/security.md). Interchange's own URI: neither the
 * spec nor Crossbar bounds pending calls.
 */
export const PENDING_CALLS_LIMIT_REACHED = 'interchange.error.pending_calls_limit_reached';
