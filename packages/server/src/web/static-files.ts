/**
 * The `static` path service: files of one directory over HTTP GET and HEAD. A request can never
 * reach a file outside that directory, neither by `..` segments (raw or percent-encoded) nor by a
 * symbolic link pointing out of it.
 */
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../logger.js';
import { contentTypeOf } from './content-types.js';
import { CorsPolicy } from './cors-policy.js';
import { sendError } from './http-responses.js';

/** Options of {@link createStaticHandler}. */
export interface StaticFilesOptions {
  /** Absolute path of the served directory. */
  directory: string;
  /** Lists a directory without `index.html` (Crossbar's `enable_directory_listing`). */
  directoryListing?: boolean | undefined;
  /** Extra content types by extension (Crossbar's `mime_types`). */
  mimeTypes?: Readonly<Record<string, string>> | undefined;
  /**
   * `Cache-Control: max-age` and `Expires` in seconds (Crossbar's `cache_timeout`); `null`: no
   * caching headers; without it, `no-cache`.
   */
  cacheSeconds?: number | null | undefined;
  /** The file served for a directory URL; `index.html` by default. */
  indexFile?: string | undefined;
  /**
   * A file (relative to `directory`) served with status 200 for any path that matches no file
   * (Crossbar's `default_file`), so single-page apps can route on the client.
   */
  defaultFile?: string | undefined;
  /** Adds `Access-Control-Allow-Origin: *` (Crossbar's `allow_cross_origin`, default true there), without credentials. */
  allowCrossOrigin?: boolean | undefined;
  /** Origins whose pages may read the files with credentials (cors-policy.ts). */
  allowedOrigins?: readonly string[] | undefined;
  logger: Logger;
}

/**
 * Serves one request. `subPath` is the part of the URL path below the mount point, still
 * percent-encoded, starting with `/`; `mountPath` is the URL prefix of the service (`''` at the
 * root), used for redirects.
 */
export type StaticHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  subPath: string,
  mountPath: string,
) => Promise<void>;

const INDEX_FILE = 'index.html';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Decodes the URL path into directory segments, or says why it cannot be served. */
function segmentsOf(subPath: string): { segments: string[] } | { status: number; error: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(subPath);
  } catch {
    return { status: 400, error: 'malformed URL path' };
  }
  if (decoded.includes('\0')) return { status: 400, error: 'malformed URL path' };
  const segments = decoded.split(/[/\\]/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { status: 403, error: 'forbidden: the path leaves the served directory' };
  return { segments };
}

function within(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Creates the handler of a static path.
 *
 * @example
 * const serve = createStaticHandler({ directory: '/srv/web', logger });
 * http.createServer((req, res) => void serve(req, res, new URL(req.url!, 'http://x').pathname, ''));
 */
export function createStaticHandler(options: StaticFilesOptions): StaticHandler {
  const cors = new CorsPolicy(options.allowedOrigins, options.allowCrossOrigin === true ? 'public' : 'none');
  const root = options.directory;
  let realRoot: Promise<string> | undefined;
  const cacheSeconds = options.cacheSeconds;
  const cacheControl =
    cacheSeconds === undefined ? 'no-cache' : cacheSeconds === null ? undefined : `public, max-age=${cacheSeconds}`;
  const indexFile = options.indexFile ?? INDEX_FILE;
  const fallback = options.defaultFile === undefined ? undefined : join(root, options.defaultFile);

  return async (req, res, subPath, mountPath) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, `method ${req.method ?? ''} not allowed`, {}, { allow: 'GET, HEAD' });
      return;
    }
    const parsed = segmentsOf(subPath);
    if ('status' in parsed) {
      sendError(res, parsed.status, parsed.error);
      return;
    }
    const urlPath = mountPath + subPath;
    // Dotfiles (`.env`, `.git/`, `.htpasswd`) are configuration and secrets, never content;
    // `.well-known` (RFC 8615) is content. Answered as not found, as if they were not there.
    if (parsed.segments.some(isHidden)) {
      sendError(res, 404, 'not found', { path: urlPath });
      return;
    }
    const extraHeaders = cors.headers(req);
    const notFound = async (): Promise<void> => {
      const info = fallback === undefined ? undefined : await stat(fallback).catch(() => undefined);
      if (fallback !== undefined && info?.isFile()) await sendFile(fallback, info);
      else sendError(res, 404, 'not found', { path: urlPath });
    };
    const sendFile = async (file: string, info: { size: number; mtimeMs: number }): Promise<void> => {
      const since = req.headers['if-modified-since'];
      const modified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
      const headers: Record<string, string> = {
        'content-type': contentTypeOf(file, options.mimeTypes),
        'last-modified': modified.toUTCString(),
        'x-content-type-options': 'nosniff',
        ...extraHeaders,
      };
      if (cacheControl !== undefined) headers['cache-control'] = cacheControl;
      if (typeof cacheSeconds === 'number') headers.expires = new Date(Date.now() + cacheSeconds * 1000).toUTCString();
      if (since !== undefined && !Number.isNaN(Date.parse(since)) && modified.getTime() <= Date.parse(since)) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': String(info.size) });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await pipeline(createReadStream(file), res);
    };
    let path = join(root, ...parsed.segments);
    try {
      // A directory that does not exist (yet) answers 404, and is looked for again next time.
      realRoot ??= realpath(root).catch((error: unknown) => {
        realRoot = undefined;
        throw error;
      });
      const [real, base] = await Promise.all([realpath(path), realRoot]);
      if (!within(base, real)) {
        sendError(res, 403, 'forbidden: the path leaves the served directory');
        return;
      }
      let info = await stat(real);
      if (info.isDirectory()) {
        // A directory URL without its slash would break relative links in its index page.
        if (!subPath.endsWith('/')) {
          const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
          res.writeHead(301, { location: `${urlPath}/${query}`, 'content-length': 0 });
          res.end();
          return;
        }
        const index = join(real, indexFile);
        const indexInfo = await stat(index).catch(() => undefined);
        if (indexInfo?.isFile()) {
          // The index may be a symlink too: it must stay inside the directory as any file must.
          const realIndex = await realpath(index);
          if (!within(base, realIndex)) {
            sendError(res, 403, 'forbidden: the path leaves the served directory');
            return;
          }
          path = realIndex;
          info = indexInfo;
        } else if (options.directoryListing === true) {
          await sendListing(req, res, real, urlPath);
          return;
        } else {
          await notFound();
          return;
        }
      } else {
        path = real;
      }
      if (!info.isFile()) {
        await notFound();
        return;
      }
      await sendFile(path, info);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') {
        await notFound();
        return;
      }
      if (code === 'ERR_STREAM_PREMATURE_CLOSE') return;
      options.logger.error({ err: error, path: urlPath }, 'static file error');
      if (!res.headersSent) sendError(res, 500, 'internal error');
      else res.destroy();
    }
  };
}

/** A dotfile or dot-directory, other than `.well-known`. */
function isHidden(segment: string): boolean {
  return segment.startsWith('.') && segment !== '.well-known';
}

async function sendListing(
  req: IncomingMessage,
  res: ServerResponse,
  directory: string,
  urlPath: string,
): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const items = entries
    .filter((entry) => !isHidden(entry.name))
    .map((entry) => {
      const name = entry.isDirectory() ? `${entry.name}/` : entry.name;
      const href = encodeURIComponent(entry.name) + (entry.isDirectory() ? '/' : '');
      return `<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></li>`;
    })
    .join('\n');
  const title = escapeHtml(decodeURIComponent(urlPath));
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1>\n<ul>\n${items}\n</ul></body></html>\n`;
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}
