/**
 * The server package's version, read from its package.json (both `src/` and `dist/` sit one
 * level below the package root).
 */
import { readFile } from 'node:fs/promises';

let cached: Promise<string> | undefined;

/** The version in the server package's package.json. */
export function packageVersion(): Promise<string> {
  cached ??= readFile(new URL('../package.json', import.meta.url), 'utf8').then(
    (text) => (JSON.parse(text) as { version: string }).version,
  );
  return cached;
}
