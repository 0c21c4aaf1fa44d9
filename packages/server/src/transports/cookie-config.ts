/**
 * The cookie tracker of a WebSocket service from its `cookie` block (config/cookie-schema.ts),
 * with Crossbar's defaults when the block is absent and only `cookie` authentication asks for
 * tracking.
 */
import { isAbsolute, resolve } from 'node:path';
import type { CookieConfig } from '../config/cookie-schema.js';
import type { Logger } from '../logger.js';
import { CookieFileStore } from './cookie-file-store.js';
import { CookieTracker, type CookieTrackerOptions } from './cookie-tracker.js';

/** A tracker configured by `config`; a `file` store's filename is relative to `cbdir`. */
export function cookieTrackerOf(
  config: CookieConfig | undefined,
  cbdir: string | undefined,
  logger: Logger,
): CookieTracker {
  const options: CookieTrackerOptions = {};
  if (config?.name !== undefined) options.name = config.name;
  if (config?.length !== undefined) options.length = config.length;
  if (config?.max_age !== undefined) options.maxAgeSeconds = config.max_age;
  if (config?.secure !== undefined) options.secure = config.secure;
  if (config?.http_strict !== undefined) options.httpOnly = config.http_strict;
  if (config?.same_site !== undefined) options.sameSite = config.same_site;
  const store = config?.store;
  if (store?.type === 'file') {
    const base = cbdir ?? process.cwd();
    const file = isAbsolute(store.filename) ? store.filename : resolve(base, store.filename);
    options.store = new CookieFileStore(file, logger);
    if (store.purge_on_startup === true) options.purgeOnStartup = true;
  }
  return new CookieTracker(options);
}
