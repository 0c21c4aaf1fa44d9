import type { Dict } from '@interchange/protocol';

/**
 * How many distinct role announcements are shared. Clients of one application announce one or a
 * handful (one per client library and version); past this many, further ones are kept per
 * session as they came, so a peer sending a new set every time cannot grow the pool.
 */
const MAX_SHARED = 64;

/** Role announcements by their JSON text; frozen, shared by every session that made them. */
const shared = new Map<string, Dict>();

/**
 * `HELLO.Details.roles` as a session keeps it for its lifetime (spec: basic profile "HELLO":
 * the roles and features a client announces): the same frozen object for every session that
 * announced the same roles and features. An idle session otherwise holds a role object and a
 * features object per role (about 0.3 KB for a basic client, over 1 KB for Autobahn's list of
 * features), identical across clients of the same library.
 *
 * @returns the shared equivalent of `roles`, or `roles` itself when it cannot be shared.
 */
export function shareClientRoles(roles: Dict): Dict {
  // Only what JSON carries faithfully is shared by its JSON text (not a byte string or a bigint
  // from CBOR, not an object from an in-process peer).
  if (!isPlainJson(roles, 0)) return roles;
  const key = JSON.stringify(roles);
  const known = shared.get(key);
  if (known !== undefined) return known;
  if (shared.size >= MAX_SHARED) return roles;
  // A copy, so what the peer handed over stays its own; the copy is what sessions share.
  const copy = deepFreeze(JSON.parse(key) as Dict);
  shared.set(key, copy);
  return copy;
}

/** Whether `value` is made of plain objects, arrays, strings, finite numbers, booleans and null. */
function isPlainJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth > 8) return false;
  if (Array.isArray(value)) return value.every((item) => isPlainJson(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((item) => isPlainJson(item, depth + 1));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
