/**
 * The `sse` path service (config/sse-path-schema.ts): `GET <path>?topic=<uri>[&match=prefix|wildcard]`
 * answers a `text/event-stream` of the topic's events, one {@link SseStream} per request.
 * What a request is checked for before a session is opened: method, query, `Authorization`
 * header, `Origin` (cors-policy.ts), and the number of streams open on the path. Each refusal is
 * an HTTP status with a JSON body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Dict, type Id, isValidId, isValidUri, type MatchPolicyValue } from '@interchange/protocol';
import type { CookieHandle, Router } from '@interchange/router';
import { acceptAuthOf } from '../config/auth-schema.js';
import type { SsePathConfig } from '../config/sse-path-schema.js';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import type { CookieTracker } from '../transports/cookie-tracker.js';
import { headersForAuthenticators } from '../transports/handshake-headers.js';
import type { SlowConsumerCounters } from '../transports/slow-consumer.js';
import { tlsCredentialsOf } from '../transports/tls-credentials.js';
import { peerAddress } from '../transports/websocket-connection.js';
import { CorsPolicy } from './cors-policy.js';
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';
import { type SseTicket, ticketOf, UnusableAuthorizationError } from './sse-credentials.js';
import { type SseHistoryReader, SseStream } from './sse-stream.js';

/** Seconds between heart-beats without `heartbeat_interval`: under the 30 to 60 s proxies allow idle. */
export const DEFAULT_SSE_HEARTBEAT_SECONDS = 15;
/** Unread bytes of a stream without `outbound_limit`: 8 MiB, the WebSocket default (docs/security.md). */
export const DEFAULT_SSE_OUTBOUND_LIMIT = 8 * 1024 * 1024;
/** Streams open at once on a path without `max_streams`. */
export const DEFAULT_SSE_MAX_STREAMS = 1000;

/** Options of {@link SseService}. */
export interface SseServiceOptions {
  config: SsePathConfig;
  router: SessionAcceptor;
  /** Where history is read for `Last-Event-ID`; without it streams do not resume. */
  realms: Pick<Router, 'realm'> | undefined;
  /** The cookie tracker of the WebSocket path named by `cookie_store`, looked up per request. */
  cookies: () => CookieTracker | undefined;
  /** Where streams cut for reading too slowly are counted (metrics). */
  counters?: SlowConsumerCounters | undefined;
  logger: Logger;
}

const MATCHES = new Set<string>(['exact', 'prefix', 'wildcard']);

/** Serves Server-Sent Events on one path. */
export class SseService {
  readonly #o: SseServiceOptions;
  readonly #cors: CorsPolicy;
  readonly #streams = new Set<SseStream>();
  readonly #maxStreams: number;
  #refusedLogged = false;
  #closed = false;

  constructor(options: SseServiceOptions) {
    this.#o = options;
    this.#cors = new CorsPolicy(options.config.options?.allowed_origins, 'same-origin');
    this.#maxStreams = options.config.options?.max_streams ?? DEFAULT_SSE_MAX_STREAMS;
  }

  /** Streams open now. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Ends every stream (node stop). */
  close(): void {
    this.#closed = true;
    for (const stream of [...this.#streams]) stream.stop();
  }

  readonly handle: PathHandler = (req, res, subPath) => {
    const cors = this.#cors.decide(req);
    if (!cors.allowed) return sendError(res, 403, `origin not allowed: ${cors.origin}`);
    if (subPath !== '' && subPath !== '/') return sendError(res, 404, 'not found', { path: subPath }, cors.headers);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors.headers, allow: 'GET,OPTIONS', 'access-control-allow-methods': 'GET,OPTIONS' });
      res.end();
      return;
    }
    if (req.method !== 'GET') return sendError(res, 405, 'use GET', {}, { ...cors.headers, allow: 'GET' });
    this.#open(req, res, cors.headers);
  };

  #open(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>) {
    const { config, logger } = this.#o;
    if (this.#closed) return sendError(res, 503, 'the node is shutting down', {}, headers);
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const topic = query.get('topic');
    const match = query.get('match') ?? 'exact';
    if (!MATCHES.has(match))
      return sendError(res, 400, `match must be exact, prefix or wildcard, got "${match}"`, {}, headers);
    if (topic === null || !isValidUri(topic, { match: match as MatchPolicyValue }))
      return sendError(res, 400, `a valid ${match} topic URI is required in the "topic" query parameter`, {}, headers);
    const rawLast = req.headers['last-event-id'] ?? query.get('lastEventId') ?? undefined;
    const lastEventId = rawLast === undefined || rawLast === '' ? undefined : Number(rawLast);
    if (lastEventId !== undefined && !isValidId(lastEventId))
      return sendError(res, 400, 'Last-Event-ID must be the id of an event of this stream', {}, headers);
    let ticket: SseTicket | undefined;
    try {
      ticket = ticketOf(req.headers.authorization, query.get('authid') ?? undefined);
    } catch (error) {
      if (!(error instanceof UnusableAuthorizationError)) throw error;
      return sendError(res, 401, error.message, {}, { ...headers, 'www-authenticate': 'Bearer' });
    }
    if (ticket !== undefined && config.auth?.ticket === undefined)
      return sendError(res, 401, 'this path takes no tickets: its auth block has no "ticket" method', {}, headers);
    if (this.#streams.size >= this.#maxStreams) {
      if (!this.#refusedLogged) logger.warn({ limit: this.#maxStreams }, 'SSE streams at max_streams: refusing more');
      this.#refusedLogged = true;
      return sendError(res, 503, `too many streams: the limit is ${this.#maxStreams}`, {}, headers);
    }
    this.#refusedLogged = false;
    const cookie = this.#cookieOf(req);
    const options = config.options;
    const stream: SseStream = new SseStream({
      res,
      info: {
        type: 'sse',
        serializer: 'json',
        peer: peerAddress(req),
        httpHeaders: headersForAuthenticators(req.headers),
      },
      realm: config.realm,
      topic,
      match: match as 'exact' | 'prefix' | 'wildcard',
      ticket,
      cookie: cookie !== undefined,
      lastEventId,
      history: this.#historyReader(),
      headers,
      heartbeatMs: (options?.heartbeat_interval ?? DEFAULT_SSE_HEARTBEAT_SECONDS) * 1000,
      outboundLimit: options?.outbound_limit ?? DEFAULT_SSE_OUTBOUND_LIMIT,
      retryMs: options?.retry,
      counters: this.#o.counters,
      logger,
      onEnd: () => this.#streams.delete(stream),
    });
    this.#streams.add(stream);
    stream.start(
      this.#o.router.connect(stream, {
        authrole: config.auth?.anonymous?.role ?? config.role ?? 'anonymous',
        ...acceptAuthOf(config.auth),
        ...tlsCredentialsOf(req.socket, cookie),
      }),
    );
  }

  /** The cookie the request presents, read-only: a stream never hands out or rewrites one. */
  #cookieOf(req: IncomingMessage): CookieHandle | undefined {
    if (this.#o.config.cookie_store === undefined) return undefined;
    const tracked = this.#o.cookies()?.lookup(req);
    return tracked === undefined ? undefined : { get: () => tracked.get(), set: () => {} };
  }

  /**
   * Reads history through the realm's own `wamp.subscription.get_events`, called as the stream's
   * session: the procedure applies the spec's rules (the reader must be allowed to subscribe, and
   * each event's authid/authrole black- and whitelists), and needs no `call` permission on a
   * `wamp.` URI that a subscriber would not have.
   */
  #historyReader(): SseHistoryReader | undefined {
    const realms = this.#o.realms;
    if (realms === undefined) return undefined;
    const realmName = this.#o.config.realm;
    return async (sessionId: Id, subscriptionId: Id, after: Id) => {
      const realm = realms.realm(realmName);
      const caller = realm?.session(sessionId);
      const getEvents = realm?.procedures.get('wamp.subscription.get_events');
      if (caller === undefined || getEvents === undefined) return [];
      const call = async (kwargs: Dict) => getEvents({ caller, args: [subscriptionId], kwargs, options: {} });
      // A resume point no longer in the history: all the history still holds is what can be given.
      const result = await call({ after_publication: after }).catch(() => call({}));
      return (result?.args?.[0] as Dict[] | undefined) ?? [];
    };
  }
}
