/**
 * Content types of static files by extension. Text types carry `charset=utf-8` so browsers do not
 * guess. Unknown extensions are served as `application/octet-stream`, which browsers download
 * rather than sniff and run.
 */

const TEXT = '; charset=utf-8';

/** Content types by lower-case extension, dot included. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': `text/html${TEXT}`,
  '.htm': `text/html${TEXT}`,
  '.js': `text/javascript${TEXT}`,
  '.mjs': `text/javascript${TEXT}`,
  // Crossbar serves `.jgz` (pre-compressed JavaScript) as JavaScript by default.
  '.jgz': 'text/javascript',
  '.cjs': `text/javascript${TEXT}`,
  '.css': `text/css${TEXT}`,
  '.json': `application/json${TEXT}`,
  '.map': `application/json${TEXT}`,
  '.txt': `text/plain${TEXT}`,
  '.md': `text/markdown${TEXT}`,
  '.csv': `text/csv${TEXT}`,
  '.xml': `application/xml${TEXT}`,
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.zip': 'application/zip',
  '.webmanifest': `application/manifest+json${TEXT}`,
});

/** The fallback content type. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/**
 * The content type of a file name; `overrides` (a static path's `mime_types` option) win.
 *
 * @example
 * contentTypeOf('app.js'); // 'text/javascript; charset=utf-8'
 */
export function contentTypeOf(fileName: string, overrides: Readonly<Record<string, string>> = {}): string {
  const dot = fileName.lastIndexOf('.');
  const ext = dot < 0 ? '' : fileName.slice(dot).toLowerCase();
  return overrides[ext] ?? overrides[ext.slice(1)] ?? CONTENT_TYPES[ext] ?? DEFAULT_CONTENT_TYPE;
}
