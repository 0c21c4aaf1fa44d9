/**
 * The `archive` path service (Crossbar's Static Web from Archive service): the files of one ZIP
 * archive over HTTP GET and HEAD. The archive's central directory is read once at start into a
 * name → entry index; each request streams its entry out of the archive (yauzl), so memory does
 * not grow with the archive unless `cache` asks for it, and then only up to
 * {@link ARCHIVE_CACHE_LIMIT}. A URL path is only ever looked up in that index, never joined to a
 * file system path, and `..` segments are refused.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { Logger } from '../logger.js';
import { contentTypeOf } from './content-types.js';
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/** Bytes of file contents `cache: true` keeps in memory at most; larger archives stream the rest. */
export const ARCHIVE_CACHE_LIMIT = 64 * 1024 * 1024;
/** Largest archive downloaded from `origin`. */
export const ARCHIVE_DOWNLOAD_LIMIT = 512 * 1024 * 1024;
/** Most entries indexed (a ZIP's central directory can claim millions). */
export const ARCHIVE_ENTRY_LIMIT = 100_000;

/** Options of {@link ArchiveService}. */
export interface ArchiveOptions {
  /** Absolute path of the ZIP file. */
  file: string;
  /** Where a missing archive is downloaded from, when `download` is true. */
  origin?: string | undefined;
  download?: boolean | undefined;
  /** Keeps served contents in memory (up to {@link ARCHIVE_CACHE_LIMIT}). */
  cache?: boolean | undefined;
  /** Appended to a URL path that is empty or ends in `/`. */
  defaultObject?: string | undefined;
  /** Prepended to the URL path to find the object in the archive. */
  objectPrefix?: string | undefined;
  mimeTypes?: Readonly<Record<string, string>> | undefined;
  /** SHA-256 fingerprints (hex) the archive must match one of. */
  hashes?: readonly string[] | undefined;
  /** Served (status 200) for any path that matches no object. */
  defaultFile?: string | undefined;
  /** Milliseconds a download may take (default 120 s). */
  downloadTimeoutMs?: number | undefined;
  logger: Logger;
}

/** Why an archive cannot be served; the node does not start. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, zip) => {
      if (error !== null) reject(error);
      else resolve(zip);
    });
  });
}

/** All file entries of an open archive, by name. */
function readIndex(zip: ZipFile): Promise<Map<string, Entry>> {
  return new Promise((resolve, reject) => {
    const index = new Map<string, Entry>();
    if (zip.entryCount > ARCHIVE_ENTRY_LIMIT) {
      reject(new ArchiveError(`the archive has ${zip.entryCount} entries (at most ${ARCHIVE_ENTRY_LIMIT})`));
      return;
    }
    zip.on('entry', (entry: Entry) => {
      if (!entry.fileName.endsWith('/')) {
        // Refused at start rather than failing the requests for it later.
        if (entry.isEncrypted() || !entry.canDecodeFileData()) {
          zip.close();
          reject(new ArchiveError(`${entry.fileName} is encrypted or uses an unsupported compression method`));
          return;
        }
        index.set(entry.fileName, entry);
      }
      zip.readEntry();
    });
    zip.once('end', () => resolve(index));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function openEntry(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error !== null) reject(error);
      else resolve(stream);
    });
  });
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Downloads `url` to `file` (through a temporary file, so a failed download leaves nothing). */
async function download(url: string, file: string, timeoutMs: number): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!response.ok || response.body === null) throw new ArchiveError(`HTTP status ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > ARCHIVE_DOWNLOAD_LIMIT)
    throw new ArchiveError(`the archive is larger than ${ARCHIVE_DOWNLOAD_LIMIT} bytes`);
  let received = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > ARCHIVE_DOWNLOAD_LIMIT)
        callback(new ArchiveError(`the archive is larger than ${ARCHIVE_DOWNLOAD_LIMIT} bytes`));
      else callback(null, chunk);
    },
  });
  const partial = `${file}.download-${process.pid}`;
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), limit, createWriteStream(partial));
    await rename(partial, file);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  }
}

/** Decodes the URL path below the mount into an archive object name, or says why not. */
function objectNameOf(subPath: string): { name: string } | { status: number; error: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(subPath);
  } catch {
    return { status: 400, error: 'malformed URL path' };
  }
  if (decoded.includes('\0')) return { status: 400, error: 'malformed URL path' };
  const segments = decoded.split(/[/\\]/);
  if (segments.includes('..')) return { status: 403, error: 'forbidden: the path leaves the archive' };
  const name = segments.filter((s) => s !== '' && s !== '.').join('/');
  // A directory URL keeps its slash, so `default_object` applies to it.
  return { name: name !== '' && decoded.endsWith('/') ? `${name}/` : name };
}

/**
 * One archive path: opens (and, if configured, downloads and verifies) the archive, and serves
 * its files.
 *
 * @example
 * const archive = new ArchiveService({ file: '/srv/autobahn.zip', defaultObject: 'autobahn.min.js', logger });
 * await archive.ready; // rejects with ArchiveError when the archive cannot be served
 */
export class ArchiveService {
  /** Settles once the archive is open; the node's start awaits it. */
  readonly ready: Promise<void>;
  readonly #options: ArchiveOptions;
  #zip: ZipFile | undefined;
  #index = new Map<string, Entry>();
  readonly #cache = new Map<string, Buffer>();
  /** Objects one request is reading into the cache: others stream them meanwhile, not buffer them too. */
  readonly #filling = new Set<string>();
  #cached = 0;
  #closed = false;

  constructor(options: ArchiveOptions) {
    this.#options = options;
    this.ready = this.#open();
    // Requests await `ready` themselves; the node's start reports the failure.
    this.ready.catch(() => undefined);
  }

  async #open(): Promise<void> {
    const { file, origin, logger } = this.#options;
    const info = await stat(file).catch(() => undefined);
    if (info === undefined) {
      if (origin === undefined || this.#options.download !== true) {
        const hint = origin === undefined ? '' : ` (set "download": true to fetch it from ${origin} at start)`;
        throw new ArchiveError(`archive not found: ${file}${hint}`);
      }
      logger.info({ origin, file }, 'downloading archive');
      try {
        await download(origin, file, this.#options.downloadTimeoutMs ?? 120_000);
      } catch (error) {
        const cause = (error as Error).cause;
        const reason = (error as Error).message + (cause instanceof Error ? `: ${cause.message}` : '');
        throw new ArchiveError(
          `archive ${file} could not be downloaded from ${origin}: ${reason} (without network access, put the archive there yourself)`,
          { cause: error },
        );
      }
    } else if (!info.isFile()) {
      throw new ArchiveError(`archive ${file} is not a file`);
    }
    const hashes = this.#options.hashes ?? [];
    if (hashes.length > 0) {
      const hash = await sha256Of(file);
      if (!hashes.some((h) => h.toLowerCase() === hash))
        throw new ArchiveError(`archive ${file} (SHA-256 ${hash}) matches none of the configured hashes`);
    }
    let zip: ZipFile;
    try {
      zip = await openZip(file);
      this.#index = await readIndex(zip);
    } catch (error) {
      throw new ArchiveError(`archive ${file} is not a readable ZIP file: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (this.#closed) zip.close();
    else this.#zip = zip;
    logger.info({ file, objects: this.#index.size }, 'archive opened');
  }

  /** The object name an URL path maps to (`default_object`, `object_prefix` applied). */
  #lookup(name: string): Entry | undefined {
    let search = name;
    if ((search === '' || search.endsWith('/')) && this.#options.defaultObject !== undefined)
      search += this.#options.defaultObject;
    const prefix = this.#options.objectPrefix;
    if (prefix !== undefined) search = `${prefix.replace(/\/+$/, '')}/${search}`;
    return this.#index.get(search);
  }

  /** Serves one request. */
  readonly handle: PathHandler = async (req, res, subPath, mountPath) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, `method ${req.method ?? ''} not allowed`, {}, { allow: 'GET, HEAD' });
      return;
    }
    if (subPath === '') {
      // The mount path without its slash would break relative links of the default object.
      const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      res.writeHead(301, { location: `${mountPath}/${query}`, 'content-length': 0 });
      res.end();
      return;
    }
    const parsed = objectNameOf(subPath);
    if ('status' in parsed) {
      sendError(res, parsed.status, parsed.error);
      return;
    }
    try {
      await this.ready;
    } catch {
      sendError(res, 503, 'archive not available');
      return;
    }
    const fallback = this.#options.defaultFile;
    const entry = this.#lookup(parsed.name) ?? (fallback === undefined ? undefined : this.#lookup(fallback));
    if (entry === undefined) {
      sendError(res, 404, 'not found', { path: mountPath + subPath });
      return;
    }
    await this.#send(req, res, entry);
  };

  async #send(req: IncomingMessage, res: ServerResponse, entry: Entry): Promise<void> {
    const zip = this.#zip;
    if (zip === undefined) {
      sendError(res, 503, 'archive not available');
      return;
    }
    res.writeHead(200, {
      'content-type': contentTypeOf(entry.fileName, this.#options.mimeTypes),
      'content-length': entry.uncompressedSize,
      'last-modified': entry.getLastModDate().toUTCString(),
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const hit = this.#cache.get(entry.fileName);
    if (hit !== undefined) {
      res.end(hit);
      return;
    }
    const keep =
      this.#options.cache === true &&
      !this.#filling.has(entry.fileName) &&
      this.#cached + entry.uncompressedSize <= ARCHIVE_CACHE_LIMIT;
    if (keep) this.#filling.add(entry.fileName);
    try {
      const stream = await openEntry(zip, entry);
      if (!keep) {
        await pipeline(stream, res);
        return;
      }
      const chunks: Buffer[] = [];
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback(null, chunk);
        },
      });
      await pipeline(stream, tap, res);
      if (!this.#cache.has(entry.fileName) && this.#cached + entry.uncompressedSize <= ARCHIVE_CACHE_LIMIT) {
        this.#cache.set(entry.fileName, Buffer.concat(chunks));
        this.#cached += entry.uncompressedSize;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
        this.#options.logger.warn({ err: error, object: entry.fileName }, 'archive read failed');
      res.destroy();
    } finally {
      if (keep) this.#filling.delete(entry.fileName);
    }
  }

  /** Closes the archive file. */
  close(): void {
    this.#closed = true;
    this.#zip?.close();
    this.#zip = undefined;
  }
}
