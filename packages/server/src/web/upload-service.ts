/**
 * The `upload` path service (Crossbar's File Upload Service): resumable, chunked file uploads as
 * resumable.js sends them.
 *
 * - POST (multipart/form-data, parsed by @fastify/busboy): one chunk of a file; the form field
 *   names come from `form_fields`. Chunks are kept in `temp_directory` until all
 *   `total_chunks` are there, then joined into `directory/<file name>` (moved in whole, so a
 *   watcher never sees a partial file). Progress events (`started`, `progress`, `finished`) are
 *   published to the topic the client names in the `on_progress` field, to the session in the
 *   `session` field only when it gives one.
 * - GET with the file name and chunk number in the query: 200 when that chunk is already stored,
 *   404 when not, so resumable.js (`testChunks`) skips what survived an interruption.
 *
 * Bounded: a file name is a plain name (no path), a file is at most `max_file_size` bytes (its
 * chunks together too), form fields are small, and unfinished uploads left idle are removed.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import type { UploadPathConfig } from '../config/path-services-schema.js';
import type { Logger } from '../logger.js';
import { sendError, sendJson } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/** Crossbar's default `max_file_size`: 10 MiB. */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
/** Most chunks one file may be split into. */
export const MAX_TOTAL_CHUNKS = 100_000;
/** Most unfinished uploads kept at once; more get 503 until some finish or expire. */
export const MAX_PENDING_UPLOADS = 1000;
/** Milliseconds an unfinished upload may stay idle before its chunks are removed (24 h). */
export const UPLOAD_IDLE_MS = 24 * 60 * 60 * 1000;
/** Longest form field value accepted (the file part aside). */
const FIELD_LIMIT = 64 * 1024;
/** Longest file name, in bytes (most file systems allow 255). */
const NAME_LIMIT = 255;
/** The folder of `temp_directory` where a chunk is written while it arrives. */
const INCOMING = '.incoming';

/** Publishes a progress event; `eligible` limits it to one session. */
export type ProgressPublisher = (
  topic: string,
  payload: Record<string, unknown>,
  eligible: number | undefined,
) => Promise<void>;

/** Options of {@link UploadService}. */
export interface UploadServiceOptions {
  /** Absolute directory of complete files. */
  directory: string;
  /** Absolute directory of unfinished uploads. */
  tempDirectory: string;
  formFields: UploadPathConfig['form_fields'];
  maxFileSize?: number | undefined;
  fileTypes?: readonly string[] | undefined;
  /** Octal mode string, e.g. `"0644"`. */
  filePermissions?: string | undefined;
  publish: ProgressPublisher;
  logger: Logger;
  /** The clock, for the idle limit (tests). */
  now?: () => number;
}

/** An upload that has not received all its chunks. */
interface PendingUpload {
  name: string;
  dir: string;
  chunks: Map<number, number>;
  totalChunks: number;
  totalSize: number;
  lastActivity: number;
  merging: boolean;
  /** Settles once the temp folder exists. */
  created: Promise<void>;
}

/** A refused request: HTTP status and message. */
class UploadRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Whether `name` is a plain file name: no directory part, not `.`/`..`, no NUL, not too long. */
export function isPlainFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && Buffer.byteLength(name) <= NAME_LIMIT;
}

/** The temp folder of a file's chunks: the name hex-encoded (reversible, and never a path). */
function dirNameOf(name: string): string {
  return `u-${Buffer.from(name).toString('hex')}`.slice(0, 250);
}

function integerField(fields: Map<string, string>, name: string, min: number, max: number): number {
  const raw = fields.get(name);
  const value = raw !== undefined && /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new UploadRefused(400, `form field "${name}": expected an integer ${min}..${max}`);
  return value;
}

function jsonField(fields: Map<string, string>, name: string | undefined): unknown {
  const raw = name === undefined ? undefined : fields.get(name);
  if (raw === undefined || raw === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new UploadRefused(400, `form field "${name}": expected JSON`);
  }
}

/** The extension of a file name as Python's `os.path.splitext` gives it (`.bashrc` has none). */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot);
}

/**
 * One upload path.
 *
 * @example
 * const uploads = new UploadService({ directory, tempDirectory, formFields, publish, logger });
 * await uploads.ready; // temp folders created, unfinished uploads of the last run picked up
 */
export class UploadService {
  readonly ready: Promise<void>;
  readonly #options: UploadServiceOptions;
  readonly #maxFileSize: number;
  readonly #pending = new Map<string, PendingUpload>();
  readonly #now: () => number;

  constructor(options: UploadServiceOptions) {
    this.#options = options;
    this.#maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.#now = options.now ?? Date.now;
    this.ready = this.#prepare();
    this.ready.catch(() => undefined);
  }

  /** Creates the folders and picks up the chunks an earlier run left, so those uploads resume. */
  async #prepare(): Promise<void> {
    const { directory, tempDirectory } = this.#options;
    await mkdir(directory, { recursive: true });
    await rm(join(tempDirectory, INCOMING), { recursive: true, force: true });
    await mkdir(join(tempDirectory, INCOMING), { recursive: true });
    for (const entry of await readdir(tempDirectory, { withFileTypes: true })) {
      if (entry.name === INCOMING || !entry.isDirectory() || !entry.name.startsWith('u-')) continue;
      const dir = join(tempDirectory, entry.name);
      try {
        const meta = JSON.parse(await readFile(join(dir, 'upload.json'), 'utf8')) as {
          name: string;
          totalChunks: number;
          totalSize: number;
        };
        const chunks = new Map<number, number>();
        for (const file of await readdir(dir)) {
          const match = /^chunk_(\d+)$/.exec(file);
          if (match !== null) chunks.set(Number(match[1]), (await stat(join(dir, file))).size);
        }
        if (!isPlainFileName(meta.name) || dirNameOf(meta.name) !== entry.name) throw new Error('bad upload.json');
        const upload = { ...meta, dir, chunks, lastActivity: this.#now(), merging: false, created: Promise.resolve() };
        this.#pending.set(meta.name, upload);
      } catch {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }

  /** Serves one request. */
  readonly handle: PathHandler = async (req, res, subPath) => {
    if (subPath !== '' && subPath !== '/') {
      sendError(res, 404, 'not found', { path: req.url ?? '' });
      return;
    }
    try {
      await this.ready;
      if (req.method === 'GET' || req.method === 'HEAD') this.#test(req, res);
      else if (req.method === 'POST') await this.#receive(req, res);
      else sendError(res, 405, `method ${req.method ?? ''} not allowed`, {}, { allow: 'GET, HEAD, POST' });
    } catch (error) {
      if (error instanceof UploadRefused) {
        // The rest of a refused body is not read: close the connection after the answer.
        if (req.method === 'POST' && !req.complete) res.setHeader('connection', 'close');
        sendError(res, error.status, error.message);
        return;
      }
      throw error;
    }
  };

  /** GET: whether a chunk is stored already (200) or still has to be sent (404). */
  #test(req: IncomingMessage, res: ServerResponse): void {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const f = this.#options.formFields;
    const name = query.get(f.file_name);
    const chunk = query.get(f.chunk_number);
    if (name === null || chunk === null)
      throw new UploadRefused(400, `missing query parameter "${name === null ? f.file_name : f.chunk_number}"`);
    const stored = this.#pending.get(name)?.chunks.has(Number(chunk)) === true;
    if (stored) sendJson(res, 200, { status: 'chunk of file already uploaded' });
    else sendError(res, 404, 'chunk of file not yet uploaded');
  }

  /** POST: parses the form, keeping the file part in a file of its own until the fields are checked. */
  async #receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data/i.test(type)) throw new UploadRefused(415, 'expected a multipart/form-data body');
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > this.#maxFileSize + 1024 * 1024)
      throw new UploadRefused(413, `the request is larger than ${this.#maxFileSize} bytes allows`);
    const f = this.#options.formFields;
    const fields = new Map<string, string>();
    for (const [key, value] of new URL(req.url ?? '/', 'http://x').searchParams) fields.set(key, value);
    const incoming = join(this.#options.tempDirectory, INCOMING, randomBytes(12).toString('hex'));
    let content: { file: string; size: number } | undefined;
    let writing: Promise<void> | undefined;
    let tooLarge = false;
    try {
      await new Promise<void>((resolve, reject) => {
        let busboy: ReturnType<typeof Busboy>;
        try {
          busboy = Busboy({
            headers: { ...req.headers, 'content-type': type },
            limits: { fieldSize: FIELD_LIMIT, fields: 64, files: 1, parts: 80, fileSize: this.#maxFileSize },
          });
        } catch (error) {
          reject(new UploadRefused(400, `malformed multipart body: ${(error as Error).message}`));
          return;
        }
        busboy.on('field', (name, value, _nameTruncated, valueTruncated) => {
          if (valueTruncated) reject(new UploadRefused(413, `form field "${name}" is too long`));
          else fields.set(name, value);
        });
        busboy.on('file', (name: string, stream: BusboyFileStream) => {
          if (name !== f.content || content !== undefined) {
            stream.resume();
            return;
          }
          stream.on('limit', () => {
            tooLarge = true;
          });
          const target = { file: incoming, size: 0 };
          content = target;
          stream.on('data', (chunk: Buffer) => {
            target.size += chunk.length;
          });
          writing = pipeline(stream, createWriteStream(incoming));
          writing.catch(reject);
        });
        busboy.on('error', (error) =>
          reject(new UploadRefused(400, `malformed multipart body: ${(error as Error).message}`)),
        );
        busboy.on('finish', () => resolve());
        req.on('aborted', () => reject(new UploadRefused(400, 'request aborted')));
        req.pipe(busboy);
      });
      await writing;
      if (tooLarge) throw new UploadRefused(413, `the file is larger than max_file_size (${this.#maxFileSize} bytes)`);
      if (content === undefined) throw new UploadRefused(400, `missing file part "${f.content}"`);
      await this.#store(fields, content, res);
    } finally {
      await unlink(incoming).catch(() => undefined);
      // A refused request may still be writing its file part: remove that file once it stops.
      writing?.then(
        () => unlink(incoming).catch(() => undefined),
        () => unlink(incoming).catch(() => undefined),
      );
    }
  }

  /** Checks the fields of a received chunk, stores it, and joins the file once all chunks are there. */
  async #store(
    fields: Map<string, string>,
    content: { file: string; size: number },
    res: ServerResponse,
  ): Promise<void> {
    const f = this.#options.formFields;
    const name = fields.get(f.file_name);
    if (name === undefined) throw new UploadRefused(400, `missing form field "${f.file_name}"`);
    if (!isPlainFileName(name))
      throw new UploadRefused(400, 'invalid file name: a plain name without a directory part is expected');
    const totalSize = integerField(fields, f.total_size, 0, Number.MAX_SAFE_INTEGER);
    const totalChunks = integerField(fields, f.total_chunks, 1, MAX_TOTAL_CHUNKS);
    const chunkNumber = integerField(fields, f.chunk_number, 1, totalChunks);
    integerField(fields, f.chunk_size, 0, Number.MAX_SAFE_INTEGER);
    if (totalSize > this.#maxFileSize)
      throw new UploadRefused(413, `size ${totalSize} of the file exceeds max_file_size (${this.#maxFileSize} bytes)`);
    const types = this.#options.fileTypes;
    const extension = extensionOf(name);
    if (types !== undefined && !types.some((t) => t.toLowerCase() === extension.toLowerCase()))
      throw new UploadRefused(415, `file type "${extension}" is not allowed (allowed: ${types.join(', ')})`);
    const chunkExtra = jsonField(fields, f.chunk_extra);
    const finishExtra = jsonField(fields, f.finish_extra);
    const topic = f.on_progress === undefined ? undefined : fields.get(f.on_progress);
    const sessionField = f.session === undefined ? undefined : fields.get(f.session);
    const eligible =
      sessionField === undefined || sessionField === '' ? undefined : integerField(fields, f.session!, 1, 2 ** 53);
    const publish = (payload: Record<string, unknown>): void => {
      if (topic === undefined || topic === '') return;
      this.#options.publish(topic, payload, eligible).catch((error: unknown) => {
        this.#options.logger.warn({ err: error, topic }, 'upload progress event not published');
      });
    };
    const event = { id: name, chunk: chunkNumber, name, total: totalSize };

    this.#expireIdle();
    let upload = this.#pending.get(name);
    if (upload !== undefined && (upload.totalChunks !== totalChunks || upload.totalSize !== totalSize)) {
      // The same name with a different shape: a new file replaces the unfinished one.
      await this.#drop(upload);
      upload = undefined;
    }
    if (upload === undefined) {
      if (this.#pending.size >= MAX_PENDING_UPLOADS)
        throw new UploadRefused(503, 'too many unfinished uploads; try again later');
      const dir = join(this.#options.tempDirectory, dirNameOf(name));
      const created = mkdir(dir, { recursive: true }).then(() =>
        writeFile(join(dir, 'upload.json'), JSON.stringify({ name, totalChunks, totalSize })),
      );
      upload = {
        name,
        dir,
        chunks: new Map(),
        totalChunks,
        totalSize,
        lastActivity: this.#now(),
        merging: false,
        created,
      };
      this.#pending.set(name, upload);
      publish({ ...event, remaining: totalSize, status: 'started', progress: 0, chunk_extra: chunkExtra });
    }
    upload.lastActivity = this.#now();
    await upload.created;
    const stored = [...upload.chunks.entries()].reduce((sum, [n, size]) => sum + (n === chunkNumber ? 0 : size), 0);
    if (stored + content.size > totalSize)
      throw new UploadRefused(413, `the chunks add up to more than the file's total size (${totalSize} bytes)`);
    try {
      await rename(content.file, join(upload.dir, `chunk_${chunkNumber}`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new UploadRefused(409, 'the upload of this file was restarted meanwhile; send the chunk again');
    }
    upload.chunks.set(chunkNumber, content.size);
    // Counted again after the rename: chunks of the same file arrive in parallel.
    const received = [...upload.chunks.values()].reduce((sum, size) => sum + size, 0);
    // As Crossbar: a progress event for each chunk of a file of several, then `finished`.
    if (upload.totalChunks > 1) {
      const progress = Math.round((received / totalSize) * 1000) / 1000;
      publish({ ...event, remaining: totalSize - received, status: 'progress', progress, chunk_extra: chunkExtra });
    }
    if (upload.chunks.size < upload.totalChunks || upload.merging) {
      sendJson(res, 200, { status: 'chunk received' });
      return;
    }
    upload.merging = true;
    if (received !== totalSize) {
      await this.#drop(upload);
      throw new UploadRefused(400, `the chunks add up to ${received} bytes, not the total size ${totalSize}`);
    }
    await this.#merge(upload);
    publish({
      ...event,
      remaining: 0,
      status: 'finished',
      progress: 1,
      finish_extra: finishExtra,
      chunk_extra: chunkExtra,
    });
    sendJson(res, 200, { status: 'file received', name });
  }

  /** Joins the chunks into the final file, moved into place in whole. */
  async #merge(upload: PendingUpload): Promise<void> {
    const joined = join(this.#options.tempDirectory, INCOMING, `${randomBytes(12).toString('hex')}-joined`);
    try {
      const out = await open(joined, 'w');
      try {
        for (let n = 1; n <= upload.totalChunks; n++) {
          for await (const chunk of createReadStream(join(upload.dir, `chunk_${n}`))) await out.write(chunk as Buffer);
        }
      } finally {
        await out.close();
      }
      if (this.#options.filePermissions !== undefined)
        await chmod(joined, Number.parseInt(this.#options.filePermissions, 8));
      const final = join(this.#options.directory, upload.name);
      try {
        await rename(joined, final);
      } catch (error) {
        // Another file system: copy, then remove.
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        await copyFile(joined, final);
      }
    } finally {
      await unlink(joined).catch(() => undefined);
      await this.#drop(upload);
    }
  }

  async #drop(upload: PendingUpload): Promise<void> {
    if (this.#pending.get(upload.name) === upload) this.#pending.delete(upload.name);
    await rm(upload.dir, { recursive: true, force: true });
  }

  /** Removes unfinished uploads idle for longer than {@link UPLOAD_IDLE_MS}. */
  #expireIdle(): void {
    const now = this.#now();
    for (const upload of this.#pending.values()) {
      if (!upload.merging && now - upload.lastActivity > UPLOAD_IDLE_MS) {
        this.#drop(upload).catch(() => undefined);
      }
    }
  }
}
