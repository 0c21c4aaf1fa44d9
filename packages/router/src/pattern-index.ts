import { type MatchPolicyValue, matchesPattern, uriComponentCount } from '@interchange/protocol';

/**
 * Values keyed by (URI or pattern, match policy), looked up by a concrete URI: which entries
 * match `com.myapp.topic1`? (advanced profile "Pattern-based Subscription").
 *
 * Lookups cost one map probe for the exact entry, one probe per distinct prefix length (not
 * per prefix), and a scan of only the wildcard patterns with as many components as the URI.
 * Prefixes match by characters, as the spec's examples show (`com.myapp.topic.emergency`
 * matches `com.myapp.topic.emergency-low`).
 */
export class PatternIndex<T> {
  readonly #exact = new Map<string, T>();
  readonly #prefix = new Map<string, T>();
  /** How many prefixes of each length there are; the keys are the lengths worth probing. */
  readonly #prefixLengths = new Map<number, number>();
  /** Wildcard patterns by component count: only patterns of the URI's arity can match it. */
  readonly #wildcard = new Map<number, Map<string, T>>();
  #size = 0;

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** The entry for exactly this pattern and policy. */
  get(pattern: string, match: MatchPolicyValue): T | undefined {
    switch (match) {
      case 'exact':
        return this.#exact.get(pattern);
      case 'prefix':
        return this.#prefix.get(pattern);
      case 'wildcard':
        return this.#wildcard.get(uriComponentCount(pattern))?.get(pattern);
      default:
        return undefined;
    }
  }

  /** Adds or replaces the entry for this pattern and policy. */
  set(pattern: string, match: MatchPolicyValue, value: T): void {
    const existed = this.get(pattern, match) !== undefined;
    switch (match) {
      case 'exact':
        this.#exact.set(pattern, value);
        break;
      case 'prefix':
        this.#prefix.set(pattern, value);
        if (!existed) this.#prefixLengths.set(pattern.length, (this.#prefixLengths.get(pattern.length) ?? 0) + 1);
        break;
      case 'wildcard': {
        const arity = uriComponentCount(pattern);
        let bucket = this.#wildcard.get(arity);
        if (bucket === undefined) {
          bucket = new Map();
          this.#wildcard.set(arity, bucket);
        }
        bucket.set(pattern, value);
        break;
      }
    }
    if (!existed) this.#size++;
  }

  /** Removes the entry for this pattern and policy; returns whether there was one. */
  delete(pattern: string, match: MatchPolicyValue): boolean {
    let deleted = false;
    switch (match) {
      case 'exact':
        deleted = this.#exact.delete(pattern);
        break;
      case 'prefix':
        deleted = this.#prefix.delete(pattern);
        if (deleted) {
          const count = (this.#prefixLengths.get(pattern.length) ?? 1) - 1;
          if (count === 0) this.#prefixLengths.delete(pattern.length);
          else this.#prefixLengths.set(pattern.length, count);
        }
        break;
      case 'wildcard': {
        const arity = uriComponentCount(pattern);
        const bucket = this.#wildcard.get(arity);
        deleted = bucket?.delete(pattern) ?? false;
        if (bucket !== undefined && bucket.size === 0) this.#wildcard.delete(arity);
        break;
      }
    }
    if (deleted) this.#size--;
    return deleted;
  }

  /**
   * Calls `visit` once for every entry matching `uri`: the exact entry first, then prefix
   * entries, then wildcard entries. `visit` may add or remove entries (a receiver's transport
   * can close while an event is being delivered); an entry removed before its turn is skipped,
   * an entry added meanwhile may or may not be visited.
   */
  forEachMatch(uri: string, visit: (value: T, match: MatchPolicyValue) => void): void {
    const exact = this.#exact.get(uri);
    if (exact !== undefined) visit(exact, 'exact');
    if (this.#prefix.size > 0) {
      for (const length of this.#prefixLengths.keys()) {
        if (length > uri.length) continue;
        const entry = this.#prefix.get(uri.slice(0, length));
        if (entry !== undefined) visit(entry, 'prefix');
      }
    }
    if (this.#wildcard.size > 0) {
      const bucket = this.#wildcard.get(uriComponentCount(uri));
      if (bucket !== undefined) {
        for (const [pattern, entry] of bucket) {
          if (matchesPattern(uri, pattern, 'wildcard')) visit(entry, 'wildcard');
        }
      }
    }
  }
}
