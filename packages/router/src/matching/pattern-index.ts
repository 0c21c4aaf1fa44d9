import type { MatchPolicyValue } from '@interchange/protocol';
import { WildcardTrie } from './wildcard-trie.js';

/**
 * Empties a reused match list. Popping keeps the array's storage, where `length = 0` releases
 * it (a runtime call, several times slower) and the next lookup would grow it again.
 */
export function clearMatches<T>(list: T[]): void {
  while (list.length > 0) list.pop();
}

/**
 * Values keyed by (URI or pattern, match policy), looked up by a concrete URI: which entries
 * match `com.myapp.topic1`? (advanced profile "Pattern-based Subscription").
 *
 * Lookups cost one map probe for the exact entry, one probe per distinct prefix length (not
 * per prefix), and a walk of the wildcard trie along the URI's components ({@link WildcardTrie}),
 * which visits only the branches that match. Prefixes match by characters, as the spec's
 * examples show (`com.myapp.topic.emergency` matches `com.myapp.topic.emergency-low`).
 */
export class PatternIndex<T> {
  readonly #exact = new Map<string, T>();
  readonly #prefix = new Map<string, T>();
  /** How many prefixes of each length there are. */
  readonly #prefixLengths = new Map<number, number>();
  /** The keys of `#prefixLengths`, the lengths worth probing, as an array a lookup walks without an iterator. */
  readonly #lengths: number[] = [];
  readonly #wildcard = new WildcardTrie<T>();

  /** Number of entries. */
  get size(): number {
    return this.#exact.size + this.#prefix.size + this.#wildcard.size;
  }

  /** The entry for exactly this pattern and policy. */
  get(pattern: string, match: MatchPolicyValue): T | undefined {
    switch (match) {
      case 'exact':
        return this.#exact.get(pattern);
      case 'prefix':
        return this.#prefix.get(pattern);
      case 'wildcard':
        return this.#wildcard.get(pattern);
      default:
        return undefined;
    }
  }

  /** Adds or replaces the entry for this pattern and policy. */
  set(pattern: string, match: MatchPolicyValue, value: T): void {
    switch (match) {
      case 'exact':
        this.#exact.set(pattern, value);
        break;
      case 'prefix':
        if (!this.#prefix.has(pattern)) {
          const count = this.#prefixLengths.get(pattern.length) ?? 0;
          if (count === 0) this.#lengths.push(pattern.length);
          this.#prefixLengths.set(pattern.length, count + 1);
        }
        this.#prefix.set(pattern, value);
        break;
      case 'wildcard':
        this.#wildcard.set(pattern, value);
        break;
    }
  }

  /** Removes the entry for this pattern and policy; returns whether there was one. */
  delete(pattern: string, match: MatchPolicyValue): boolean {
    switch (match) {
      case 'exact':
        return this.#exact.delete(pattern);
      case 'prefix': {
        if (!this.#prefix.delete(pattern)) return false;
        const count = (this.#prefixLengths.get(pattern.length) ?? 1) - 1;
        if (count === 0) {
          this.#prefixLengths.delete(pattern.length);
          this.#lengths.splice(this.#lengths.indexOf(pattern.length), 1);
        } else this.#prefixLengths.set(pattern.length, count);
        return true;
      }
      case 'wildcard':
        return this.#wildcard.delete(pattern);
      default:
        return false;
    }
  }

  /**
   * Appends to `out` every entry matching `uri`: the exact entry first, then prefix entries, then
   * wildcard entries. Callers on the hot path pass an array they reuse, so a lookup allocates
   * nothing but substrings of the URI (a prefix probe, the components for the wildcard trie), and
   * those only when there are such patterns. What `out`
   * holds is a snapshot: entries removed while the caller walks it are still in it.
   */
  collectMatches(uri: string, out: T[]): void {
    const exact = this.#exact.get(uri);
    if (exact !== undefined) out.push(exact);
    if (this.#prefix.size > 0) {
      const lengths = this.#lengths;
      for (let i = 0; i < lengths.length; i++) {
        const length = lengths[i] as number;
        if (length > uri.length) continue;
        const entry = this.#prefix.get(uri.slice(0, length));
        if (entry !== undefined) out.push(entry);
      }
    }
    this.#wildcard.collect(uri, out);
  }
}
