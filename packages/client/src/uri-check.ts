import { InvalidArgumentError, isValidUri, type MatchPolicyValue } from '@interchange/protocol';

/**
 * Throws `InvalidArgumentError` at once when `uri` is not a valid WAMP URI (or pattern, for
 * `prefix`/`wildcard` matching), instead of waiting for the router's `wamp.error.invalid_uri`
 * (spec: basic "URIs"). Loose rules, which every router accepts.
 */
export function checkUri(what: string, uri: unknown, match?: unknown): asserts uri is string {
  if (typeof uri !== 'string') {
    throw new InvalidArgumentError(`${what} must be a string, got ${uri === null ? 'null' : typeof uri}`);
  }
  if (match !== undefined && match !== 'exact' && match !== 'prefix' && match !== 'wildcard') {
    throw new InvalidArgumentError(`${what}: match must be 'exact', 'prefix' or 'wildcard', got ${String(match)}`);
  }
  const policy = (match ?? 'exact') as MatchPolicyValue;
  if (!isValidUri(uri, { match: policy })) {
    throw new InvalidArgumentError(
      `${what} is not a valid WAMP URI${policy === 'exact' ? '' : ` for ${policy} matching`}: '${uri}'`,
    );
  }
}
