/**
 * Test doubles: a logger that keeps what it is told, and a local HTTP server that records every
 * request and answers through a handler.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../src/logger.js';

/** One log entry. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger recording its entries; `waitFor` resolves once a matching entry was logged. */
export function recordingLogger(): {
  logger: Logger;
  entries: LogEntry[];
  waitFor: (test: (entry: LogEntry) => boolean) => Promise<LogEntry>;
} {
  const entries: LogEntry[] = [];
  const waiters: { test: (entry: LogEntry) => boolean; resolve: (entry: LogEntry) => void }[] = [];
  const at =
    (level: LogEntry['level']) =>
    (obj: Record<string, unknown>, msg?: string): void => {
      const entry = { level, obj, msg };
      entries.push(entry);
      for (const waiter of [...waiters]) {
        if (waiter.test(entry)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(entry);
        }
      }
    };
  return {
    logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    entries,
    waitFor: (test) => {
      const found = entries.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}

/** A request the test server received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local HTTP server that records requests; `handler` answers them. */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #waiters: { test: (request: RecordedRequest) => boolean; resolve: (request: RecordedRequest) => void }[] =
    [];
  #queued: RecordedRequest[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(handler: (request: RecordedRequest, res: ServerResponse) => void): Promise<RecordingServer> {
    const server = createServer();
    const recording = new RecordingServer(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        recording.requests.push(request);
        handler(request, res);
        const index = recording.#waiters.findIndex((waiter) => waiter.test(request));
        if (index >= 0) recording.#waiters.splice(index, 1)[0]!.resolve(request);
        else recording.#queued.push(request);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return recording;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The next request received (in order) whose path starts with `prefix`. */
  next(prefix = '/'): Promise<RecordedRequest> {
    const test = (request: RecordedRequest) => request.url.startsWith(prefix);
    const index = this.#queued.findIndex(test);
    if (index >= 0) return Promise.resolve(this.#queued.splice(index, 1)[0]!);
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
