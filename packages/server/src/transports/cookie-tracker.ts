/**
 * Cookie tracking for `cookie` authentication (Crossbar's `cbtid`): a WebSocket service whose
 * `auth` block allows `cookie` gives each browser a random cookie on the opening handshake, and
 * remembers, per cookie, the principal its last connection authenticated as. A later connection
 * presenting the cookie can then join as that principal (the router's `cookie` method). The
 * service's `cookie` block (config/cookie-schema.ts) sets name, length, lifetime and attributes;
 * the store is in memory (a restart forgets every cookie, as Crossbar's memory store does) unless
 * a {@link CookieFileStore} keeps the authenticated ones.
 *
 * Cookies handed out on handshakes that never authenticate are kept apart, in a small budget of
 * their own: anyone can open handshakes by the thousand, and in a shared store they would push
 * out the cookies of authenticated browsers. A cookie moves to the main store when its
 * connection authenticates.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { CookieHandle, CookieIdentity } from '@interchange/router';
import type { WebSocketServer } from 'ws';
import type { CookieFileStore, StoredCookie } from './cookie-file-store.js';

/** Options of {@link CookieTracker}. */
export interface CookieTrackerOptions {
  /** Cookie name; default `cbtid`, Crossbar's. */
  name?: string;
  /** Cookie lifetime in seconds; default 604800 (7 days), Crossbar's. */
  maxAgeSeconds?: number;
  /** Characters of a new cookie's random value; default 24, Crossbar's. */
  length?: number;
  /** Mark every cookie `Secure` (it is anyway on a TLS connection). Default false. */
  secure?: boolean;
  /** `HttpOnly`; default true. */
  httpOnly?: boolean;
  /** `SameSite`; default `Lax`. */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Keeps the authenticated cookies across restarts (the `file` store). */
  store?: CookieFileStore;
  /** With a store: start with no cookies, whatever it holds (Crossbar's `purge_on_startup`). */
  purgeOnStartup?: boolean;
  /** Authenticated cookies remembered at most; the least recently used go first. Default 100000. */
  maxEntries?: number;
  /**
   * Cookies remembered at most that were handed out but have not authenticated (yet); the oldest
   * go first, and they never push out an authenticated one. Default: 10000, or `maxEntries` if
   * smaller.
   */
  maxAnonymousEntries?: number;
  /** Time source (ms); `Date.now` by default. */
  now?: () => number;
}

/** The cookie of one connection: its value, and what it authenticated as. */
export interface TrackedCookie extends CookieHandle {
  /** The cookie's value. */
  readonly id: string;
  /**
   * Registers the open connection this handle belongs to, with how to close it: a logout on
   * another connection of the same cookie closes it (Crossbar does). Returns what to call once
   * it has closed.
   */
  opened(close: () => void): () => void;
}

interface Entry {
  identity: CookieIdentity | undefined;
  expiresAt: number;
}

/** The value of cookie `name` in a `Cookie` header, if present. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Issues cookies on WebSocket handshakes and remembers what each authenticated as. */
export class CookieTracker {
  readonly #name: string;
  readonly #maxAgeMs: number;
  readonly #maxEntries: number;
  readonly #maxAnonymous: number;
  readonly #now: () => number;
  readonly #length: number;
  readonly #attributes: string;
  readonly #secure: boolean;
  readonly #store: CookieFileStore | undefined;
  /** Cookies that authenticated, least recently used first. */
  readonly #entries = new Map<string, Entry>();
  /** Cookies handed out that have not authenticated, oldest first. */
  readonly #anonymous = new Map<string, Entry>();
  /** Cookies to set on the handshake response of these requests. */
  readonly #issue = new WeakMap<IncomingMessage, string>();
  /** How to close each open connection, by cookie; a set is removed with its last connection. */
  readonly #open = new Map<string, Set<() => void>>();

  constructor(options: CookieTrackerOptions = {}) {
    this.#name = options.name ?? 'cbtid';
    this.#maxAgeMs = (options.maxAgeSeconds ?? 604_800) * 1000;
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#maxAnonymous = options.maxAnonymousEntries ?? Math.min(10_000, this.#maxEntries);
    this.#now = options.now ?? Date.now;
    this.#length = options.length ?? 24;
    this.#secure = options.secure === true;
    this.#attributes = `${options.httpOnly === false ? '' : '; HttpOnly'}; SameSite=${options.sameSite ?? 'Lax'}`;
    this.#store = options.store;
    if (this.#store !== undefined) {
      const now = this.#now();
      if (options.purgeOnStartup !== true)
        for (const [id, identity, expiresAt] of this.#store.load(now))
          remember(this.#entries, id, { identity, expiresAt }, this.#maxEntries);
      else this.#store.changed();
      this.#store.source(() => this.#stored());
    }
  }

  /** Writes what the store has not written yet. */
  async close(): Promise<void> {
    await this.#store?.flush();
  }

  /** The authenticated cookies that have not expired, for the store. */
  #stored(): StoredCookie[] {
    const now = this.#now();
    const out: StoredCookie[] = [];
    for (const [id, entry] of this.#entries)
      if (entry.identity !== undefined && entry.expiresAt > now) out.push([id, entry.identity, entry.expiresAt]);
    return out;
  }

  /** Adds `Set-Cookie` to the handshake responses of requests that got a new cookie. */
  attach(server: WebSocketServer): void {
    server.on('headers', (headers: string[], request: IncomingMessage) => {
      const header = this.setCookieHeader(request);
      if (header !== undefined) headers.push(header);
    });
  }

  /** The Set-Cookie header line of the handshake answering `request`, if it issues a cookie. */
  setCookieHeader(request: IncomingMessage): string | undefined {
    const id = this.#issue.get(request);
    if (id === undefined) return undefined;
    const secure = this.#secure || (request.socket as { encrypted?: boolean }).encrypted === true ? '; Secure' : '';
    return `Set-Cookie: ${this.#name}=${id}; Max-Age=${Math.floor(this.#maxAgeMs / 1000)}; Path=/${this.#attributes}${secure}`;
  }

  /**
   * The cookie of a handshake request: the one it presents when this tracker knows it, else a
   * new one, set on the response. Call before the handshake completes.
   */
  handleFor(request: IncomingMessage): TrackedCookie {
    const now = this.#now();
    const presented = readCookie(request.headers.cookie, this.#name);
    let id = presented !== undefined && this.#live(presented, now) ? presented : undefined;
    const known = id === undefined ? undefined : this.#entries.get(id);
    // A browser coming back counts as a use: its cookie is the last to be evicted.
    if (id !== undefined && known !== undefined) remember(this.#entries, id, known, this.#maxEntries);
    if (id === undefined) {
      id = randomBytes(Math.ceil((this.#length * 3) / 4))
        .toString('base64url')
        .slice(0, this.#length);
      remember(this.#anonymous, id, { identity: undefined, expiresAt: now + this.#maxAgeMs }, this.#maxAnonymous);
      this.#issue.set(request, id);
    }
    const cookie = id;
    let closeSelf: (() => void) | undefined;
    return {
      id: cookie,
      opened: (close) => {
        closeSelf = close;
        const open = this.#open.get(cookie) ?? new Set<() => void>();
        this.#open.set(cookie, open);
        open.add(close);
        return () => {
          open.delete(close);
          if (open.size === 0 && this.#open.get(cookie) === open) this.#open.delete(cookie);
        };
      },
      get: () => (this.#live(cookie, this.#now()) ? this.#entries.get(cookie)?.identity : undefined),
      set: (identity) => {
        this.#anonymous.delete(cookie);
        remember(this.#entries, cookie, { identity, expiresAt: this.#now() + this.#maxAgeMs }, this.#maxEntries);
        this.#store?.changed();
      },
      logout: () => this.#logout(cookie, closeSelf),
    };
  }

  /**
   * The cookie a request presents, if this tracker knows it and it has not expired; never issues
   * one. For readers of the store that are not WebSocket handshakes (the `sse` path).
   */
  lookup(request: IncomingMessage): Pick<TrackedCookie, 'id' | 'get'> | undefined {
    const id = readCookie(request.headers.cookie, this.#name);
    if (id === undefined || !this.#live(id, this.#now())) return undefined;
    return { id, get: () => (this.#live(id, this.#now()) ? this.#entries.get(id)?.identity : undefined) };
  }

  /** Cookies remembered now, authenticated or not. */
  get size(): number {
    return this.#entries.size + this.#anonymous.size;
  }

  /** Authenticated cookies remembered now. */
  get authenticatedSize(): number {
    return this.#entries.size;
  }

  /**
   * The cookie no longer authenticates; it stays known (unauthenticated) until it expires. Its
   * other open connections are closed, as Crossbar does: they were let in as the user who logged out.
   */
  #logout(id: string, closeSelf: (() => void) | undefined): void {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      this.#entries.delete(id);
      remember(this.#anonymous, id, { identity: undefined, expiresAt: entry.expiresAt }, this.#maxAnonymous);
      this.#store?.changed();
    }
    for (const close of [...(this.#open.get(id) ?? [])]) if (close !== closeSelf) close();
  }

  #live(id: string, now: number): boolean {
    for (const store of [this.#entries, this.#anonymous]) {
      const entry = store.get(id);
      if (entry === undefined) continue;
      if (entry.expiresAt > now) return true;
      store.delete(id);
      return false;
    }
    return false;
  }
}

/** Stores `entry` as the most recent of `store`, dropping the least recent beyond `max`. */
function remember(store: Map<string, Entry>, id: string, entry: Entry, max: number): void {
  store.delete(id);
  store.set(id, entry);
  while (store.size > max) store.delete(store.keys().next().value as string);
}
