/**
 * Wildcard patterns indexed by component (advanced profile "Pattern-based Subscription",
 * "Wildcard Matching"; "Pattern-based Registrations"): a pattern matches a URI with as many
 * components whose every non-empty pattern component equals the URI's component.
 *
 * The patterns form a trie, one level per component: a node's children by concrete component,
 * plus one "any" child for an empty pattern component. Looking up a URI follows its components
 * down, taking at each level the child named by the component and the "any" child, so the cost
 * grows with the URI's length and the patterns that match it, not with the number of patterns.
 */

/** One level of the trie. */
interface TrieNode<T> {
  /** Children by concrete pattern component; created with the first one. */
  children: Map<string, TrieNode<T>> | undefined;
  /** The child for an empty pattern component, which matches any URI component. */
  any: TrieNode<T> | undefined;
  /** The entry of the pattern that ends at this node. */
  value: T | undefined;
}

function newNode<T>(): TrieNode<T> {
  return { children: undefined, any: undefined, value: undefined };
}

function isEmpty<T>(node: TrieNode<T>): boolean {
  return (
    node.value === undefined && node.any === undefined && (node.children === undefined || node.children.size === 0)
  );
}

/**
 * Splits `uri` at its dots into `out`, from index 0; returns how many components it has. What
 * `out` holds past that count is left over from longer URIs: the array is reused as it is.
 */
function splitComponents(uri: string, out: string[]): number {
  let count = 0;
  let start = 0;
  for (let dot = uri.indexOf('.'); dot !== -1; dot = uri.indexOf('.', start)) {
    out[count++] = uri.slice(start, dot);
    start = dot + 1;
  }
  out[count++] = uri.slice(start);
  return count;
}

/**
 * Values keyed by wildcard pattern (`com..update`), found by concrete URI (`com.x.update`).
 *
 * @example
 * const trie = new WildcardTrie<string>();
 * trie.set('com..update', 'a');
 * const found: string[] = [];
 * trie.collect('com.x.update', found); // found: ['a']
 */
export class WildcardTrie<T> {
  readonly #root: TrieNode<T> = newNode();
  /** The same entries by pattern, for `get` and `size` without a walk. */
  readonly #byPattern = new Map<string, T>();
  /** The components of the URI being looked up (see `splitComponents`); reused, as lookups do not nest. */
  readonly #components: string[] = [];

  /** Number of patterns. */
  get size(): number {
    return this.#byPattern.size;
  }

  /** The entry of exactly this pattern. */
  get(pattern: string): T | undefined {
    return this.#byPattern.get(pattern);
  }

  /** Adds or replaces the entry of a pattern. */
  set(pattern: string, value: T): void {
    let node = this.#root;
    for (const component of pattern.split('.')) {
      if (component === '') {
        node.any ??= newNode();
        node = node.any;
        continue;
      }
      node.children ??= new Map();
      let child = node.children.get(component);
      if (child === undefined) {
        child = newNode();
        node.children.set(component, child);
      }
      node = child;
    }
    node.value = value;
    this.#byPattern.set(pattern, value);
  }

  /** Removes the entry of a pattern, and the trie nodes only it used; returns whether there was one. */
  delete(pattern: string): boolean {
    if (!this.#byPattern.delete(pattern)) return false;
    const components = pattern.split('.');
    // The nodes along the pattern, to prune from the leaf up.
    const path: TrieNode<T>[] = [this.#root];
    let node = this.#root;
    for (const component of components) {
      const next = component === '' ? node.any : node.children?.get(component);
      // `#byPattern` had the pattern, so its path exists.
      node = next as TrieNode<T>;
      path.push(node);
    }
    node.value = undefined;
    for (let depth = components.length; depth > 0 && isEmpty(path[depth] as TrieNode<T>); depth--) {
      const parent = path[depth - 1] as TrieNode<T>;
      const component = components[depth - 1] as string;
      if (component === '') parent.any = undefined;
      else parent.children?.delete(component);
    }
    return true;
  }

  /**
   * Appends to `out` the entry of every pattern matching `uri`. At each level the concrete child
   * comes before the "any" child, so of two matching patterns the one with the earlier concrete
   * component comes first (`a.b.c` before `a..c` before `.b.c`).
   */
  collect(uri: string, out: T[]): void {
    if (this.#byPattern.size === 0) return;
    const count = splitComponents(uri, this.#components);
    this.#walk(this.#root, count, 0, out);
  }

  #walk(node: TrieNode<T>, count: number, depth: number, out: T[]): void {
    if (depth === count) {
      if (node.value !== undefined) out.push(node.value);
      return;
    }
    const child = node.children?.get(this.#components[depth] as string);
    if (child !== undefined) this.#walk(child, count, depth + 1, out);
    if (node.any !== undefined) this.#walk(node.any, count, depth + 1, out);
  }
}
