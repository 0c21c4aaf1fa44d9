/**
 * The `longpoll` path service (Crossbar's Long-poll Service, spec: advanced "HTTP Longpoll
 * Transport"): `POST <path>/open` with `{"protocols": [...]}` creates a transport and answers
 * `{"transport": id, "protocol": chosen}`; then `POST <path>/<id>/send` (204), `<id>/receive`
 * (200 with a message, 204 when the request timeout passes) and `<id>/close` (204).
 * `GET <path>/<id>` reports `{"transport", "session"}`. Every answer carries Crossbar's CORS and
 * no-cache headers; errors are JSON `{"error": ...}`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  chooseLongPollProtocol,
  encodeLongPollOpenResponse,
  parseLongPollOpenRequest,
  parseLongPollPath,
  type SerializerName,
} from '@interchange/protocol';
import { acceptAuthOf } from '../config/auth-schema.js';
import type { LongPollPathConfig } from '../config/path-schema.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import { CorsPolicy } from '../web/cors-policy.js';
import { sendError } from '../web/http-responses.js';
import type { PathHandler } from '../web/path-handler.js';
import type { FrameCachePool } from './frame-cache.js';
import { headersForAuthenticators } from './handshake-headers.js';
import { DEFAULT_HELLO_TIMEOUT_MS, withHelloTimeout } from './hello-timeout.js';
import { LongPollTransport } from './longpoll-transport.js';
import { tlsCredentialsOf } from './tls-credentials.js';
import { peerAddress } from './websocket-connection.js';
import { acceptedSubprotocols, DEFAULT_SERIALIZERS } from './websocket-negotiation.js';

/**
 * Largest body of a `send` request when the path's `max_message_size` is not set: 1 MiB, the
 * WebSocket default. A body is one frame, as a WebSocket message is; with a `.batched` protocol
 * the limit covers the whole batch.
 */
export const DEFAULT_LONGPOLL_MAX_MESSAGE_SIZE = 1024 * 1024;

/**
 * Transports a long-poll path holds open at once when `options.max_transports` is not set. A
 * transport needs no connection, only a request now and then, so the listener's connection bounds
 * do not count them: without this, `open` requests alone would grow the node without limit.
 */
export const DEFAULT_MAX_LONGPOLL_TRANSPORTS = 10_000;
/** Largest body of an `open` request. */
const MAX_OPEN_BODY = 64 * 1024;

/** Options of {@link LongPollService}. */
export interface LongPollServiceOptions {
  config: LongPollPathConfig;
  router: SessionAcceptor;
  frameCaches: FrameCachePool;
  logger: Logger;
}

/**
 * Sets the no-cache headers, and the CORS headers for an allowed origin; Crossbar echoes any
 * Origin with credentials, here only the path's `allowed_origins` (web/cors-policy.ts).
 * @returns the refused origin, when a page of an origin not allowed sent the request.
 */
function setStandardHeaders(req: IncomingMessage, res: ServerResponse, cors: CorsPolicy): string | undefined {
  res.setHeader('cache-control', 'no-store, no-cache, must-revalidate, max-age=0');
  const decision = cors.decide(req);
  if (!decision.allowed) return decision.origin;
  for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
  return undefined;
}

/**
 * How much of an oversize body is read and dropped after the 413 is decided. The answer goes
 * out at once, but closing while the client is still sending would reset the connection, and
 * the client would likely lose the answer; a client that sends more than this is cut off.
 */
const OVERSIZE_DRAIN_BYTES = 4 * 1024 * 1024;

/** A request body: its bytes, `too-large` (over the limit: answer 413), or `broken` (the request failed). */
type RequestBody = Buffer | 'too-large' | 'broken';

/** Reads a request body of up to `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<RequestBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let dropped = 0;
    const tooLarge = () => {
      chunks.length = 0;
      resolve('too-large');
    };
    // A declared length over the limit is refused before a byte is read.
    const declaredTooLarge = Number(req.headers['content-length']) > limit;
    if (declaredTooLarge) tooLarge();
    req.on('data', (chunk: Buffer) => {
      if (declaredTooLarge || length > limit) {
        dropped += chunk.length;
        if (dropped > OVERSIZE_DRAIN_BYTES) req.destroy();
        return;
      }
      length += chunk.length;
      if (length > limit) tooLarge();
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve('broken'));
  });
}

/** A 413 that closes the connection once sent: the rest of the body is not worth reading. */
function sendTooLarge(res: ServerResponse, message: string): void {
  sendError(res, 413, message, {}, { connection: 'close' });
}

/** Serves WAMP-over-Longpoll on one path of a web transport. */
export class LongPollService {
  readonly #config: LongPollPathConfig;
  readonly #router: SessionAcceptor;
  readonly #caches: FrameCachePool;
  readonly #logger: Logger;
  readonly #protocols: string[];
  readonly #authrole: string;
  readonly #maxMessageSize: number;
  readonly #transports = new Map<string, LongPollTransport>();
  /** Transports displaced from a fixed `debug_transport_id`, until their held `receive` ends. */
  readonly #retired = new Set<LongPollTransport>();
  readonly #cors: CorsPolicy;
  readonly #maxTransports: number;
  /** Whether the bound was logged since the path was last below it. */
  #boundLogged = false;
  #closed = false;

  constructor(options: LongPollServiceOptions) {
    this.#config = options.config;
    // Seconds, as the block's other times (Crossbar's long-poll options).
    const helloTimeout = options.config.options?.hello_timeout;
    this.#router = withHelloTimeout(
      options.router,
      helloTimeout === undefined ? DEFAULT_HELLO_TIMEOUT_MS : helloTimeout * 1000,
      options.logger,
    );
    this.#caches = options.frameCaches;
    this.#cors = new CorsPolicy(options.config.options?.allowed_origins, 'same-origin');
    this.#logger = options.logger;
    this.#protocols = acceptedSubprotocols((options.config.serializers ?? DEFAULT_SERIALIZERS) as SerializerName[]);
    this.#authrole = options.config.auth?.anonymous?.role ?? 'anonymous';
    this.#maxMessageSize = options.config.options?.max_message_size ?? DEFAULT_LONGPOLL_MAX_MESSAGE_SIZE;
    this.#maxTransports = options.config.options?.max_transports ?? DEFAULT_MAX_LONGPOLL_TRANSPORTS;
  }

  /** Open transports. */
  get transportCount(): number {
    return this.#transports.size;
  }

  /** The path handler. */
  readonly handle: PathHandler = async (req, res, subPath) => {
    const refusedOrigin = setStandardHeaders(req, res, this.#cors);
    if (refusedOrigin !== undefined) {
      req.resume();
      sendError(res, 403, `origin not allowed: ${refusedOrigin}`);
      return;
    }
    const target = parseLongPollPath(subPath);
    if (target === undefined) {
      sendError(res, 404, 'invalid WAMP long-poll path', { path: subPath });
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { allow: 'GET,POST,OPTIONS', 'access-control-allow-methods': 'GET,POST,OPTIONS' });
      res.end();
      return;
    }
    if (target.kind === 'root') {
      this.#notice(req, res);
      return;
    }
    if (target.kind === 'open') {
      if (req.method !== 'POST') return sendError(res, 405, 'use POST to open a transport', {}, { allow: 'POST' });
      await this.#open(req, res);
      return;
    }
    const transport = this.#transports.get(target.transport);
    if (transport === undefined) {
      sendError(res, 404, `no WAMP transport '${target.transport}'`);
      return;
    }
    if (target.kind === 'transport') {
      if (req.method !== 'GET') return sendError(res, 405, 'use GET', {}, { allow: 'GET' });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ transport: transport.id, protocol: transport.protocol, open: transport.open }));
      return;
    }
    if (req.method !== 'POST') return sendError(res, 405, `use POST to ${target.operation}`, {}, { allow: 'POST' });
    switch (target.operation) {
      case 'send':
        await this.#send(transport, req, res);
        return;
      case 'receive':
        req.resume();
        if (!transport.poll(res)) sendError(res, 404, `no WAMP transport '${target.transport}'`);
        return;
      case 'close':
        req.resume();
        transport.end('closed by client');
        res.writeHead(204);
        res.end();
        return;
    }
  };

  /** Ends every transport (node stop). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const transport of [...this.#transports.values(), ...this.#retired]) transport.end('node stopping');
  }

  #notice(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'use GET', {}, { allow: 'GET' });
      return;
    }
    const text = `This is a WAMP-over-Longpoll endpoint. Open a transport with POST ./open and {"protocols": ${JSON.stringify(this.#protocols)}}.\n`;
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  async #open(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#closed) return sendError(res, 503, 'the node is shutting down');
    if (this.#maxTransports > 0 && this.#transports.size >= this.#maxTransports) {
      if (!this.#boundLogged) {
        this.#boundLogged = true;
        this.#logger.warn(
          { peer: peerAddress(req), limit: 'options.max_transports', bound: this.#maxTransports },
          'long-poll path at its transport bound; refusing new transports (logged once until below it)',
        );
      }
      return sendError(res, 503, `too many long-poll transports open (the bound is ${this.#maxTransports})`);
    }
    this.#boundLogged = false;
    const body = await readBody(req, MAX_OPEN_BODY);
    if (body === 'broken') return;
    if (body === 'too-large') return sendTooLarge(res, 'open request body too large');
    let protocols: string[];
    try {
      protocols = parseLongPollOpenRequest(body.toString('utf8')).protocols;
    } catch (error) {
      return sendError(res, 400, (error as Error).message);
    }
    const protocol = chooseLongPollProtocol(protocols, this.#protocols);
    const cache = protocol === undefined ? undefined : this.#caches.forSubprotocol(protocol);
    if (protocol === undefined || cache === undefined) {
      return sendError(res, 400, `no common protocol to speak (offered: ${protocols.join(', ') || 'none'})`, {
        supported: this.#protocols,
      });
    }
    // A fixed ID goes to every new transport, as in Crossbar (its curl example opens a subscriber
    // and then a publisher under the same ID); the one that had it is retired.
    const fixed = this.#config.options?.debug_transport_id;
    const id = fixed ?? randomBytes(12).toString('base64url');
    const displaced = this.#transports.get(id);
    if (displaced !== undefined) {
      this.#transports.delete(id);
      this.#retired.add(displaced);
      displaced.retire();
    }
    const options = this.#config.options;
    const transport = new LongPollTransport({
      id,
      cache,
      caches: this.#caches,
      info: {
        type: 'longpoll',
        serializer: cache.serializer.name,
        peer: peerAddress(req),
        httpHeaders: headersForAuthenticators(req.headers),
      },
      limits: {
        requestTimeoutMs: (options?.request_timeout ?? 10) * 1000,
        sessionTimeoutMs: (options?.session_timeout ?? 30) * 1000,
        queueLimitBytes: options?.queue_limit_bytes ?? 128 * 1024,
        queueLimitMessages: options?.queue_limit_messages ?? 100,
        lingerMs: 10_000,
      },
      logger: this.#logger,
      onGone: (gone) => {
        if (this.#transports.get(gone) === transport) this.#transports.delete(gone);
        this.#retired.delete(transport);
      },
    });
    this.#transports.set(id, transport);
    transport.start(
      this.#router.connect(transport, {
        authrole: this.#authrole,
        ...acceptAuthOf(this.#config.auth),
        ...tlsCredentialsOf(req.socket),
      }),
    );
    // Never the transport ID in a log: it is a bearer token (docs/security.md).
    this.#logger.debug({ peer: transport.info.peer, protocol }, 'long-poll transport opened');
    const answer = encodeLongPollOpenResponse({ transport: id, protocol });
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(answer),
    });
    res.end(answer);
  }

  async #send(transport: LongPollTransport, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, this.#maxMessageSize);
    if (body === 'broken') return;
    if (body === 'too-large') {
      transport.violation(`message too large: the limit is ${this.#maxMessageSize} bytes`);
      return sendTooLarge(res, `request body too large: the limit is ${this.#maxMessageSize} bytes`);
    }
    try {
      transport.receiveFrame(body);
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'undecodable message';
      // Debug only: the router logs the violation when it aborts the session; once is enough.
      this.#logger.debug({ peer: transport.info.peer, reason }, 'protocol violation');
      transport.violation(reason);
      return sendError(res, 400, `could not unserialize WAMP message: ${reason}`);
    }
    res.writeHead(204);
    res.end();
  }
}
