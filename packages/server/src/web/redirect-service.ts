/**
 * The `redirect` path service (Crossbar's Web Redirection Service): every request under the path
 * (GET or HEAD) is answered with a redirect to the configured URL — relative (`../foobar`), absolute
 * (`/download`) or fully qualified (`https://example.com`).
 */
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/** Options of {@link createRedirectHandler}. */
export interface RedirectOptions {
  url: string;
  /** The status of the redirect; 302 (found) by default, as Crossbar answers. */
  status?: 301 | 302 | 303 | 307 | 308;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Creates the handler of a redirect path.
 *
 * @example
 * createRedirectHandler({ url: 'https://example.com' }); // GET /anything → 302 Location: https://example.com
 */
export function createRedirectHandler(options: RedirectOptions): PathHandler {
  const status = options.status ?? 302;
  const html = `<!doctype html>\n<html><head><meta http-equiv="refresh" content="0;URL=${escapeHtml(options.url)}"></head><body><a href="${escapeHtml(options.url)}">${escapeHtml(options.url)}</a></body></html>\n`;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, `method ${req.method ?? ''} not allowed`, {}, { allow: 'GET, HEAD' });
      return;
    }
    res.writeHead(status, {
      location: options.url,
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : html);
  };
}
