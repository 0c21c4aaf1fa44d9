/**
 * URI rules and pattern matching (spec: basic profile "URIs"; advanced profile
 * "Pattern-based Subscription" and "Pattern-based Registration").
 *
 * Sans-IO and allocation-light: `isValidUri` runs on every SUBSCRIBE, REGISTER, PUBLISH and CALL
 * the router receives, so it uses precompiled regular expressions.
 */

/** How a subscription or registration URI is matched against topics or procedures. */
export const MatchPolicy = {
  EXACT: 'exact',
  PREFIX: 'prefix',
  WILDCARD: 'wildcard',
} as const;
/** One of `'exact' | 'prefix' | 'wildcard'`. */
export type MatchPolicyValue = (typeof MatchPolicy)[keyof typeof MatchPolicy];

/** Options of {@link isValidUri}. */
export interface UriCheckOptions {
  /**
   * Strict rules (components of `[0-9a-z_]` only) instead of the loose rules
   * (any characters but whitespace, `.` and `#`). Defaults to loose, which every router accepts.
   */
  strict?: boolean;
  /** The match policy the URI is used with; patterns relax the rules. Defaults to `exact`. */
  match?: MatchPolicyValue;
}

// The rules are written so that one regular expression pass, without capture groups or
// backtracking, decides: `isValidUri` runs on every PUBLISH and CALL (message decoding checks the
// URI, and the broker and dealer check it again for messages that were never decoded).
// Spec "Relaxed/Loose URIs": components are non-empty, without whitespace, '.' or '#'; so a
// loose URI is a non-empty string with no whitespace or '#', no '..', and no '.' at either end.
const NOT_LOOSE = /[\s#]|\.\.|^\.|\.$/;
// Spec "Strict URIs".
const STRICT = /^[0-9a-z_]+(?:\.[0-9a-z_]+)*$/;
// Prefix patterns: a prefix is matched by characters (Crossbar behaviour), so any prefix of a
// valid URI is fine, including one that ends with '.' (e.g. `com.myapp.`).
const NOT_LOOSE_PREFIX = /[\s#]|\.\.|^\./;
const STRICT_PREFIX = /^(?:[0-9a-z_]+\.)*[0-9a-z_]*$/;
// Wildcard patterns: any component may be empty (`com..update` matches `com.x.update`).
const NOT_LOOSE_WILDCARD = /[\s#]/;
const STRICT_WILDCARD = /^[0-9a-z_.]*$/;

/**
 * The last string found to be a valid loose URI. A router checks each URI twice (decoding, then
 * routing) and sees the same few again and again; comparing with the last one is cheaper than
 * any pass over the string, and costs nothing when it is the very same string object.
 */
let lastLooseUri = '';

/**
 * Whether `uri` is a valid WAMP URI, or a valid pattern for the given match policy.
 *
 * The empty string is a valid prefix pattern, matching every URI: that is how Crossbar's and
 * Autobahn's examples watch a whole realm, and Crossbar accepts it for subscriptions and
 * registrations alike. Authorization still decides: the role needs a permission covering the
 * empty prefix itself (e.g. `{ uri: '', match: 'prefix' }`). It is no valid URI or wildcard.
 *
 * @example
 * isValidUri('com.myapp.topic1'); // true
 * isValidUri('com.myapp.', { match: 'prefix' }); // true
 * isValidUri('', { match: 'prefix' }); // true: every URI
 * isValidUri('com..update', { match: 'wildcard' }); // true
 * isValidUri('Com.MyApp', { strict: true }); // false
 */
export function isValidUri(uri: string, options?: UriCheckOptions): boolean {
  if (typeof uri !== 'string') return false;
  const match = options?.match ?? MatchPolicy.EXACT;
  if (uri.length === 0) return match === MatchPolicy.PREFIX;
  const strict = options?.strict === true;
  switch (match) {
    case MatchPolicy.EXACT:
      if (strict) return STRICT.test(uri);
      if (uri === lastLooseUri) return true;
      if (NOT_LOOSE.test(uri)) return false;
      lastLooseUri = uri;
      return true;
    case MatchPolicy.PREFIX:
      return strict ? STRICT_PREFIX.test(uri) : !NOT_LOOSE_PREFIX.test(uri);
    case MatchPolicy.WILDCARD:
      return strict ? STRICT_WILDCARD.test(uri) : !NOT_LOOSE_WILDCARD.test(uri);
    default:
      return false;
  }
}

/** Whether `value` is one of the three match policies. */
export function isMatchPolicy(value: unknown): value is MatchPolicyValue {
  return value === MatchPolicy.EXACT || value === MatchPolicy.PREFIX || value === MatchPolicy.WILDCARD;
}

/**
 * Whether `uri` (a concrete topic or procedure) matches `pattern` under `match`.
 *
 * - `exact`: the strings are equal.
 * - `prefix`: `uri` starts with `pattern`, character by character (spec: "Prefix Matching";
 *   `com.myapp` therefore also matches `com.myapp2.x`, as in Crossbar).
 * - `wildcard`: same number of `.`-separated components, and each non-empty pattern component
 *   equals the URI's component (spec: "Wildcard Matching").
 *
 * @example
 * matchesPattern('com.a.update', 'com..update', 'wildcard'); // true
 * matchesPattern('com.a.b', 'com.a', 'prefix'); // true
 */
export function matchesPattern(uri: string, pattern: string, match: MatchPolicyValue): boolean {
  switch (match) {
    case MatchPolicy.EXACT:
      return uri === pattern;
    case MatchPolicy.PREFIX:
      return uri.startsWith(pattern);
    case MatchPolicy.WILDCARD:
      return matchesWildcard(uri, pattern);
    default:
      return false;
  }
}

/** Wildcard matching without allocating component arrays: walks both strings once. */
function matchesWildcard(uri: string, pattern: string): boolean {
  let u = 0;
  let p = 0;
  for (;;) {
    const uEnd = indexOrEnd(uri, u);
    const pEnd = indexOrEnd(pattern, p);
    if (pEnd > p) {
      // Non-empty pattern component: must equal the URI component.
      if (uEnd - u !== pEnd - p || !uri.startsWith(pattern.slice(p, pEnd), u)) return false;
    }
    const uDone = uEnd === uri.length;
    const pDone = pEnd === pattern.length;
    if (uDone || pDone) return uDone && pDone;
    u = uEnd + 1;
    p = pEnd + 1;
  }
}

function indexOrEnd(s: string, from: number): number {
  const i = s.indexOf('.', from);
  return i === -1 ? s.length : i;
}

/**
 * The number of `.`-separated components of a URI or pattern (`a..c` has 3). Routers use it to
 * index wildcard patterns by arity.
 */
export function uriComponentCount(uri: string): number {
  let n = 1;
  for (let i = uri.indexOf('.'); i !== -1; i = uri.indexOf('.', i + 1)) n++;
  return n;
}
