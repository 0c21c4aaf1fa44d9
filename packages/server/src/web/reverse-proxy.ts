/**
 * The `reverseproxy` path service (Crossbar's Web Reverse Proxy): every request below the path is
 * forwarded to a backend HTTP server (http-proxy-3), request and response bodies streamed. The
 * backend sees the path below the mount appended to the configured `path`, the query unchanged,
 * `Host` set to the backend, and the `X-Forwarded-*` / `X-Real-IP` headers Crossbar sends. When
 * the backend cannot be reached or fails mid-way, the client gets 502 with a JSON body.
 */
import { Agent, type IncomingMessage } from 'node:http';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import type { ReverseProxyPathConfig } from '../config/path-services-schema.js';
import type { Logger } from '../logger.js';
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';

/** Whether a raw URL path has a `..` segment, percent-encoded or not. */
export function hasDotDotSegment(rawPath: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return true;
  }
  return decoded.split(/[/\\]/).includes('..');
}

/** The port a request came in on. */
function localPortOf(req: IncomingMessage): number | undefined {
  return req.socket.localPort;
}

/** Whether a request came over TLS. */
function isTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}

/**
 * One reverseproxy path.
 *
 * @example
 * const proxy = new ReverseProxy({ config: { type: 'reverseproxy', host: '127.0.0.1', port: 3000 }, logger });
 * // GET /app/users?x=1 on a path mounted at /app → GET /users?x=1 on 127.0.0.1:3000
 */
export class ReverseProxy {
  readonly #proxy: ProxyServer;
  readonly #agent = new Agent({ keepAlive: true });
  readonly #config: ReverseProxyPathConfig;
  readonly #basePath: string;
  readonly #origin: string;
  readonly #hostHeader: string;
  readonly #logger: Logger;
  readonly #socketPath: string | undefined;

  /**
   * `socketPath`: the backend listens on this Unix socket instead of `host` and `port` (the
   * Python hosts of `wsgi` and `resource` paths, python-web-service.ts).
   */
  constructor(options: { config: ReverseProxyPathConfig; logger: Logger; socketPath?: string }) {
    const { config, logger } = options;
    this.#config = config;
    this.#socketPath = options.socketPath;
    this.#logger = logger;
    const port = config.port ?? 80;
    const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
    this.#origin = `http://${host}:${port}`;
    this.#hostHeader = port === 80 ? host : `${host}:${port}`;
    const path = (config.path ?? '').replace(/\/+$/, '');
    this.#basePath = path === '' || path.startsWith('/') ? path : `/${path}`;
    this.#proxy = createProxyServer({ agent: this.#agent, ignorePath: true, xfwd: false });
    // Without a listener, http-proxy-3 rethrows errors; each request passes its own callback.
    this.#proxy.on('error', () => undefined);
  }

  /** Forwards one request. */
  readonly handle: PathHandler = (req, res, subPath) => {
    if (hasDotDotSegment(subPath)) {
      sendError(res, 400, 'the path leaves the proxied path');
      return;
    }
    const url = req.url ?? '';
    const query = url.includes('?') ? url.slice(url.indexOf('?')) : '';
    const path = this.#basePath + subPath || '/';
    const client = req.socket.remoteAddress ?? '';
    const headers: Record<string, string> = {
      host: this.#hostHeader,
      'x-forwarded-port': String(this.#config.forwarded_port ?? localPortOf(req) ?? ''),
      'x-forwarded-proto': this.#config.forwarded_proto ?? (isTls(req) ? 'https' : 'http'),
    };
    if (req.headers.host !== undefined) headers['x-forwarded-host'] = req.headers.host;
    if (client !== '') {
      headers['x-forwarded-for'] = client;
      headers['x-real-ip'] = client;
    }
    // Set through the URL's setters: a path such as `//other.host/x` stays a path.
    const target = new URL(this.#origin);
    target.pathname = path;
    target.search = query;
    if (this.#socketPath !== undefined) Object.assign(target, { socketPath: this.#socketPath });
    this.#proxy.web(req, res, { target, headers }, (error) => {
      this.#logger.warn({ err: error, backend: this.#origin }, 'reverse proxy: backend failed');
      if (!res.headersSent) sendError(res, 502, 'bad gateway: the backend server failed', { reason: error.message });
      else res.destroy();
    });
  };

  /** Closes the idle backend connections. */
  close(): void {
    this.#agent.destroy();
  }
}
