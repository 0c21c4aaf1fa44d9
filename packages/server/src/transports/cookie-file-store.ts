/**
 * The `file` cookie store (Crossbar's `"store": {"type": "file", "filename": ...}`): the cookies
 * that authenticated, with their identity and expiry, kept in one JSON file of the node directory
 * so that `cookie` authentication survives a restart. The file holds at most what the tracker
 * remembers (its `maxEntries`), so it is bounded like the tracker. Writes are batched (at most
 * one per second), atomic (a temporary file renamed over the old one), and flushed when the
 * service closes. Cookies handed out that never authenticated are not written: they identify
 * nobody, and anyone can create them by the thousand.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { CookieIdentity } from '@interchange/router';
import type { Logger } from '../logger.js';
import { isCrossbarCookieFile, readCrossbarCookieFile } from './crossbar-cookie-file.js';

/** One remembered cookie: its value, what it authenticated as, and when it expires (ms). */
export type StoredCookie = [id: string, identity: CookieIdentity, expiresAt: number];

/** How long changes wait before they are written, in ms. */
const WRITE_DELAY_MS = 1000;

/** Persists the authenticated cookies of one tracker. */
export class CookieFileStore {
  readonly #file: string;
  readonly #logger: Logger;
  #snapshot: (() => StoredCookie[]) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(file: string, logger: Logger) {
    this.#file = file;
    this.#logger = logger;
  }

  /**
   * The cookies in the file that have not expired at `now`. A missing file is an empty store; an
   * unreadable one is logged and treated as empty (the cookies are re-issued, nothing breaks).
   * Synchronous: it runs once, while the service is built.
   */
  load(now: number): StoredCookie[] {
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.#logger.warn({ file: this.#file, err: error }, 'cookie store unreadable; starting empty');
      return [];
    }
    if (isCrossbarCookieFile(text)) return this.#loadCrossbar(text, now);
    try {
      const parsed = JSON.parse(text) as { cookies?: unknown };
      if (!Array.isArray(parsed.cookies)) throw new Error('no cookies list');
      return parsed.cookies.filter(
        (entry): entry is StoredCookie =>
          Array.isArray(entry) &&
          typeof entry[0] === 'string' &&
          typeof entry[1] === 'object' &&
          entry[1] !== null &&
          typeof entry[2] === 'number' &&
          entry[2] > now,
      );
    } catch (error) {
      this.#logger.warn({ file: this.#file, err: error }, 'cookie store file is not a cookie store; starting empty');
      return [];
    }
  }

  /**
   * A file Crossbar wrote: its cookies are taken over. The next write replaces it in this
   * store's format, so the original is kept beside it (`<file>.crossbar`) for a way back.
   */
  #loadCrossbar(text: string, now: number): StoredCookie[] {
    const { cookies, skipped } = readCrossbarCookieFile(text, now);
    const backup = `${this.#file}.crossbar`;
    try {
      if (!existsSync(backup)) copyFileSync(this.#file, backup);
    } catch (error) {
      this.#logger.warn({ file: backup, err: error }, 'could not keep a copy of the Crossbar cookie file');
    }
    this.#logger.info(
      { file: this.#file, cookies: cookies.length, skipped, backup },
      "read Crossbar's cookie file; it is rewritten in Interchange's format at the next change",
    );
    return cookies;
  }

  /** Where to read the cookies to write from. */
  source(snapshot: () => StoredCookie[]): void {
    this.#snapshot = snapshot;
  }

  /** Something changed: write soon. */
  changed(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#write();
    }, WRITE_DELAY_MS);
    this.#timer.unref();
  }

  /** Writes pending changes now. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#write();
    }
    await this.#writing;
  }

  #write(): Promise<void> {
    const cookies = this.#snapshot?.() ?? [];
    this.#writing = this.#writing.then(async () => {
      const temporary = `${this.#file}.${process.pid}.tmp`;
      try {
        await writeFile(temporary, JSON.stringify({ version: 1, cookies }), { mode: 0o600 });
        await rename(temporary, this.#file);
      } catch (error) {
        this.#logger.error({ file: this.#file, err: error }, 'cookie store could not be written');
      }
    });
    return this.#writing;
  }
}
