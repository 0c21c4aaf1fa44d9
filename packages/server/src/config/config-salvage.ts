/**
 * Keeping the valid parts of a config whose schema check failed, so that one run of
 * `interchange check` can also cross-check (realms, roles, ports) and file-check what did parse,
 * instead of reporting those problems only once the schema problems are fixed.
 *
 * How: every place the schema complained about is deleted from a copy of the input, the smallest
 * first (the key itself), and the copy is parsed again. A place that still fails after its key was
 * deleted (a required key, a `type` that selects the schema) takes its parent with it, up to the
 * list item or map entry that holds it. The result is the config minus its bad parts. Nothing
 * here is used to run a node: a config with problems never starts.
 */
import type { z } from 'zod';
import { isPlainObject } from './schema-builders.js';

/** A key path: object keys and list indices. */
export type Path = (string | number)[];

/** Parsing more than this many times means the pruning does not converge; give up salvaging. */
const MAX_ROUNDS = 64;

/** What {@link salvage} kept. */
export interface Salvaged<T> {
  /** The schema's output for the pruned input; `undefined` when not even the root parsed. */
  data: T | undefined;
  /**
   * Problems that only showed once other parts were removed (zod skips a refinement of an object
   * that has a bad key), paths in the original input's coordinates. Problems caused by the pruning
   * itself (a key now missing) are not among them.
   */
  laterIssues: z.ZodIssue[];
  /** The path in the original input of the value at `path` in {@link data}. */
  originalPath(path: Path): Path;
  /** Whether something at or below `path` (original coordinates) was removed. */
  removedBelow(path: Path): boolean;
}

/** A copy of the input whose lists remember the original index of each item. */
class PrunableCopy {
  readonly root: unknown;
  readonly #indices = new WeakMap<unknown[], number[]>();

  constructor(input: unknown) {
    this.root = this.#copy(input);
  }

  #copy(value: unknown): unknown {
    if (Array.isArray(value)) {
      const copy = value.map((item) => this.#copy(item));
      this.#indices.set(
        copy,
        copy.map((_, i) => i),
      );
      return copy;
    }
    if (isPlainObject(value)) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) copy[key] = this.#copy(item);
      return copy;
    }
    return value;
  }

  /** The container holding `path`'s value and its key there, when the value exists. */
  #slot(path: Path): { parent: Record<string, unknown> | unknown[]; key: string | number } | undefined {
    let node = this.root;
    for (const [i, part] of path.entries()) {
      const last = i === path.length - 1;
      if (Array.isArray(node) && typeof part === 'number' && part >= 0 && part < node.length) {
        if (last) return { parent: node, key: part };
        node = node[part];
      } else if (isPlainObject(node) && typeof part === 'string' && Object.hasOwn(node, part)) {
        if (last) return { parent: node, key: part };
        node = node[part];
      } else return undefined;
    }
    return undefined;
  }

  has(path: Path): boolean {
    return this.#slot(path) !== undefined;
  }

  /** Maps a path of the (pruned) copy back to the original input. */
  original(path: Path): Path {
    const out: Path = [];
    let node: unknown = this.root;
    for (const part of path) {
      if (Array.isArray(node) && typeof part === 'number') {
        out.push(this.#indices.get(node)?.[part] ?? part);
        node = node[part];
      } else {
        out.push(part);
        node = isPlainObject(node) && typeof part === 'string' ? node[part] : undefined;
      }
    }
    return out;
  }

  /** Removes the values at `paths` (current coordinates, all resolved before any is removed). */
  remove(paths: readonly Path[]): void {
    const fromLists = new Map<unknown[], Set<number>>();
    for (const path of paths) {
      const slot = this.#slot(path);
      if (slot === undefined) continue;
      if (Array.isArray(slot.parent)) {
        const set = fromLists.get(slot.parent) ?? new Set<number>();
        set.add(slot.key as number);
        fromLists.set(slot.parent, set);
      } else delete slot.parent[slot.key as string];
    }
    // Splice from the back, so the indices still to remove keep pointing at their items.
    for (const [list, indices] of fromLists) {
      const original = this.#indices.get(list) ?? [];
      for (const index of [...indices].sort((a, b) => b - a)) {
        list.splice(index, 1);
        original.splice(index, 1);
      }
    }
  }
}

const keyOf = (path: Path): string => JSON.stringify(path);

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i]);
}

/**
 * Parses `input` with `schema`, removing the parts that fail until the rest parses.
 *
 * @param first - the issues of a parse of `input` already done (so it is not parsed twice).
 * @example
 * const parsed = schema.safeParse(raw);
 * if (!parsed.success) {
 *   const kept = salvage(schema, raw, parsed.error.issues);
 *   if (kept.data !== undefined) crossCheck(kept.data, kept.originalPath);
 * }
 */
export function salvage<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  input: unknown,
  first: z.ZodIssue[],
): Salvaged<T> {
  const copy = new PrunableCopy(input);
  const removed: Path[] = [];
  const removedKeys = new Set<string>();
  const removedBelow = (path: Path): boolean => removed.some((r) => isPrefix(path, r));
  const laterIssues: z.ZodIssue[] = [];
  const result = (data: T | undefined): Salvaged<T> => ({
    data,
    laterIssues,
    originalPath: (path) => copy.original(path),
    removedBelow,
  });
  let issues = first;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const targets: Path[] = [];
    for (const issue of issues) {
      let target: Path = issue.path;
      // A key already removed that still fails, or a place that does not exist (a required key),
      // means the value holding it cannot be kept.
      while (target.length > 0 && (!copy.has(target) || removedKeys.has(keyOf(copy.original(target))))) {
        target = target.slice(0, -1);
      }
      if (target.length === 0) return result(undefined);
      targets.push(target);
    }
    for (const target of targets) {
      const original = copy.original(target);
      if (removedKeys.has(keyOf(original))) continue;
      removedKeys.add(keyOf(original));
      removed.push(original);
    }
    copy.remove(targets);
    const parsed = schema.safeParse(copy.root);
    if (parsed.success) return result(parsed.data);
    issues = parsed.error.issues;
    for (const issue of issues) {
      const original = copy.original(issue.path);
      if (!removedBelow(original)) laterIssues.push({ ...issue, path: original });
    }
  }
  return result(undefined);
}
