/**
 * Arrays that the broker's lookups collect matching subscriptions into, reused so that a
 * publication allocates none. One per nesting level, since delivering an event can publish
 * another (the meta events of a receiver whose transport closed meanwhile).
 */
import { clearMatches } from '../matching/pattern-index.js';

export class MatchLists<T> {
  readonly #lists: T[][] = [];
  #depth = 0;

  /** An empty list for this nesting level; give it back with {@link release}. */
  borrow(): T[] {
    const depth = this.#depth++;
    let list = this.#lists[depth];
    if (list === undefined) {
      list = [];
      this.#lists[depth] = list;
    }
    return list;
  }

  /** Empties the list borrowed last and returns it to the pool. */
  release(list: T[]): void {
    clearMatches(list);
    this.#depth--;
  }
}
