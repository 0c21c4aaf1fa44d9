/**
 * Copy-on-write walk over decoded or to-be-encoded values. Serializers use it to apply wire
 * conventions (JSON binary strings, 64-bit integers) to leaves without copying anything when
 * no leaf changes, which is the common case on the router's hot path.
 */
import { isDict } from './message-fields.js';

/**
 * Returns `value` with `leaf` applied to every non-container value, descending into arrays and
 * plain objects only. Containers are copied only along the paths where a leaf changed, so an
 * unchanged value comes back as the very same object.
 */
export function mapLeaves(value: unknown, leaf: (v: unknown) => unknown): unknown {
  // Most leaves are numbers and strings: decided by `typeof` before the container checks,
  // which cost a call each (`Array.isArray`, and `isDict`'s `Object.getPrototypeOf`).
  if (typeof value !== 'object' || value === null) return leaf(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const before: unknown = value[i];
      const after = mapLeaves(before, leaf);
      if (after !== before) {
        copy ??= value.slice();
        copy[i] = after;
      }
    }
    return copy ?? value;
  }
  if (isDict(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const key in value) {
      const before = value[key];
      const after = mapLeaves(before, leaf);
      if (after !== before) {
        copy ??= { ...value };
        copy[key] = after;
      }
    }
    return copy ?? value;
  }
  return leaf(value);
}
