/**
 * Reads a cookie file written by Crossbar's file-backed cookie store, so a node that takes over
 * a Crossbar config keeps its users' cookie logins. Crossbar appends one JSON record a line: a
 * cookie's creation, each change of what it authenticated as, and its deletion, keyed by `cbtid`
 * (`id` in older releases). Replaying the lines in order gives each cookie's last state; a cookie
 * counts if it authenticated (authid, authrole, authmethod and realm set), was not deleted and
 * has not expired (`created` plus `max_age` seconds).
 */
import type { CookieIdentity } from '@interchange/router';
import type { StoredCookie } from './cookie-file-store.js';

interface CrossbarCookieRecord {
  cbtid?: unknown;
  id?: unknown;
  created?: unknown;
  deleted?: unknown;
  max_age?: unknown;
  authid?: unknown;
  authrole?: unknown;
  authmethod?: unknown;
  authrealm?: unknown;
  authextra?: unknown;
}

/** Whether `text` looks like Crossbar's format: JSON objects, one a line, with a cookie ID. */
export function isCrossbarCookieFile(text: string): boolean {
  const first = text.trimStart().split('\n', 1)[0] ?? '';
  try {
    const record = JSON.parse(first) as CrossbarCookieRecord;
    return (
      typeof record === 'object' &&
      record !== null &&
      (typeof record.cbtid === 'string' || typeof record.id === 'string')
    );
  } catch {
    return false;
  }
}

/**
 * The authenticated, unexpired cookies of a Crossbar cookie file at `now` (ms). Lines that are
 * not JSON records are counted in `skipped`, not fatal: Crossbar appends, and a crash can leave
 * half a line at the end.
 */
export function readCrossbarCookieFile(text: string, now: number): { cookies: StoredCookie[]; skipped: number } {
  const state = new Map<string, CrossbarCookieRecord>();
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: CrossbarCookieRecord;
    try {
      record = JSON.parse(line) as CrossbarCookieRecord;
    } catch {
      skipped += 1;
      continue;
    }
    const id = typeof record?.cbtid === 'string' ? record.cbtid : record?.id;
    if (typeof id !== 'string') {
      skipped += 1;
      continue;
    }
    if (typeof record.deleted === 'string') {
      state.delete(id);
      continue;
    }
    // Later records carry the changed fields; `created` stays from the first when they lack it.
    const previous = state.get(id) ?? {};
    const merged: CrossbarCookieRecord = { ...previous };
    for (const [key, value] of Object.entries(record))
      if (value !== null || !(key in previous)) Object.assign(merged, { [key]: value });
    state.set(id, merged);
  }
  const cookies: StoredCookie[] = [];
  for (const [id, record] of state) {
    const created = typeof record.created === 'string' ? Date.parse(record.created) : Number.NaN;
    const maxAge = typeof record.max_age === 'number' ? record.max_age : Number.NaN;
    const expiresAt = created + maxAge * 1000;
    if (!(expiresAt > now)) continue;
    const identity = identityOf(record);
    if (identity !== undefined) cookies.push([id, identity, expiresAt]);
  }
  return { cookies, skipped };
}

function identityOf(record: CrossbarCookieRecord): CookieIdentity | undefined {
  const { authid, authrole, authmethod, authrealm, authextra } = record;
  if (typeof authid !== 'string' || typeof authrole !== 'string') return undefined;
  if (typeof authmethod !== 'string' || typeof authrealm !== 'string') return undefined;
  const extra = typeof authextra === 'object' && authextra !== null && !Array.isArray(authextra);
  return {
    realm: authrealm,
    authid,
    authrole,
    authmethod,
    ...(extra ? { authextra: authextra as NonNullable<CookieIdentity['authextra']> } : {}),
  };
}
