/**
 * One Server-Sent Events stream: a session of the realm, seen by the router as any other peer
 * (the meta API lists it with transport type `sse`), that joins with the request's credentials,
 * subscribes to one topic and writes each EVENT to the HTTP response as an SSE event
 * (`id` = publication ID, `event` = topic, `data` = JSON `{args, kwargs, details}`; see
 * docs/sse.md). The WAMP side is driven here, message by message: HELLO, the ticket answer to a
 * CHALLENGE, SUBSCRIBE once WELCOMEd. Until SUBSCRIBED nothing is written, so a refusal is still an
 * HTTP status with a JSON body: 401 when authentication fails, 403 when the subscription is not
 * authorized, 400 for a topic the router refuses.
 */
import type { ServerResponse } from 'node:http';
import { type Dict, ErrorUri, type EventMessage, type Id, MessageCode, type WampMessage } from '@interchange/protocol';
import type { Peer, PeerConnection, TransportInfo } from '@interchange/router';
import type { Logger } from '../logger.js';
import type { SlowConsumerCounters } from '../transports/slow-consumer.js';
import { sendError } from './http-responses.js';
import type { SseTicket } from './sse-credentials.js';

/** Reads the events of a subscription's history published after `after`, as the stream's own session. */
export type SseHistoryReader = (sessionId: Id, subscriptionId: Id, after: Id) => Promise<readonly Dict[]>;

/** Options of {@link SseStream}. */
export interface SseStreamOptions {
  res: ServerResponse;
  info: TransportInfo;
  realm: string;
  topic: string;
  match: 'exact' | 'prefix' | 'wildcard';
  /** The ticket of the `Authorization` header, if any. */
  ticket: SseTicket | undefined;
  /** Whether the request carries a tracked cookie to offer (the `cookie` method). */
  cookie: boolean;
  /** The publication ID of `Last-Event-ID`, to resume after. */
  lastEventId: Id | undefined;
  history: SseHistoryReader | undefined;
  /** Headers of the 200 answer besides the event-stream ones (CORS). */
  headers: Record<string, string>;
  heartbeatMs: number;
  outboundLimit: number;
  retryMs: number | undefined;
  /** Counts the stream if it is cut for reading too slowly. */
  counters?: SlowConsumerCounters | undefined;
  logger: Logger;
  /** Called once when the stream has ended, however. */
  onEnd: () => void;
}

/** HTTP status and JSON error of a refused HELLO, by ABORT reason. */
function helloRefusal(reason: string): number {
  switch (reason) {
    case ErrorUri.AUTHENTICATION_FAILED:
    case ErrorUri.NO_AUTH_METHOD:
    case ErrorUri.NOT_AUTHORIZED:
      return 401;
    case ErrorUri.SYSTEM_SHUTDOWN:
      return 503;
    default:
      return 500;
  }
}

/** HTTP status of a refused SUBSCRIBE, by ERROR URI. */
function subscribeRefusal(error: string): number {
  if (error === ErrorUri.NOT_AUTHORIZED) return 403;
  if (error === ErrorUri.INVALID_URI) return 400;
  return 503;
}

/** The first text argument of a refusal, its message. */
function messageOf(args: unknown[] | undefined, details: Dict, fallback: string): string {
  const first = args?.[0] ?? details.message;
  return typeof first === 'string' ? first : fallback;
}

type State = 'joining' | 'subscribing' | 'resuming' | 'streaming' | 'ended';

/** Events held for a stream while its history is read, at most. */
const MAX_HELD_EVENTS = 10_000;

/** A Server-Sent Events stream and the router session behind it. */
export class SseStream implements Peer {
  readonly info: TransportInfo;
  readonly #o: SseStreamOptions;
  #connection: PeerConnection | undefined;
  #state: State = 'joining';
  #session: Id | undefined;
  #subscription: Id | undefined;
  /** Events that arrive while the history is read, written after it. */
  #held: EventMessage[] = [];
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: SseStreamOptions) {
    this.#o = options;
    this.info = options.info;
    options.res.on('close', () => this.#end('client gone'));
  }

  /** Starts the session: `connection` is what `Router.connect(this)` returned. */
  start(connection: PeerConnection): void {
    this.#connection = connection;
    const { ticket, cookie } = this.#o;
    const authmethods = ticket !== undefined ? ['ticket'] : cookie ? ['cookie', 'anonymous'] : ['anonymous'];
    const details: Dict = {
      roles: { subscriber: { features: { pattern_based_subscription: true, publisher_identification: true } } },
      authmethods,
      agent: 'interchange-sse',
    };
    if (ticket?.authid !== undefined) details.authid = ticket.authid;
    connection.receive({ type: 'HELLO', realm: this.#o.realm, details });
  }

  /** Ends the stream (node stop). */
  stop(): void {
    this.#end('node stopping');
  }

  send(message: WampMessage): string | undefined {
    // The router may call this from inside `connection.receive`: answers go out on a microtask.
    switch (message.type) {
      case 'CHALLENGE':
        queueMicrotask(() => {
          if (this.#state !== 'joining') return;
          if (message.authMethod === 'ticket' && this.#o.ticket !== undefined)
            this.#connection?.receive({ type: 'AUTHENTICATE', signature: this.#o.ticket.ticket, extra: {} });
          else this.#refuse(401, `authentication method ${message.authMethod} cannot be answered over SSE`);
        });
        return undefined;
      case 'WELCOME':
        this.#session = message.session;
        this.#state = 'subscribing';
        queueMicrotask(() => {
          const options: Dict = this.#o.match === 'exact' ? {} : { match: this.#o.match };
          this.#connection?.receive({ type: 'SUBSCRIBE', requestId: 1, options, topic: this.#o.topic });
        });
        return undefined;
      case 'ABORT':
        this.#refuse(
          helloRefusal(message.reason),
          messageOf(undefined, message.details, message.reason),
          message.reason,
        );
        return undefined;
      case 'SUBSCRIBED':
        this.#subscription = message.subscription;
        // Events from now on are held until the answer and the missed events are written.
        if (this.#state === 'subscribing') this.#state = 'resuming';
        queueMicrotask(() => void this.#open());
        return undefined;
      case 'ERROR':
        if (message.requestType === MessageCode.SUBSCRIBE)
          this.#refuse(
            subscribeRefusal(message.error),
            messageOf(message.args, message.details, message.error),
            message.error,
          );
        return undefined;
      case 'EVENT':
        if (this.#state === 'resuming') this.#hold(message);
        else if (this.#state === 'streaming') return this.#writeEvent(message);
        return undefined;
      case 'GOODBYE':
        // The router ends the session (killed, realm closed, node stopping): answer and end.
        queueMicrotask(() => {
          this.#connection?.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
          this.#end(message.reason);
        });
        return undefined;
      case 'UNSUBSCRIBED':
        // Subscription revocation (wamp.subscription.remove_subscriber): nothing left to stream.
        this.#end('subscription revoked');
        return undefined;
      default:
        return undefined;
    }
  }

  close(): void {
    this.#end('closed by the router');
  }

  /** The subscription exists: answer 200, replay what `Last-Event-ID` missed, then stream. */
  async #open(): Promise<void> {
    if (this.#state !== 'resuming') return;
    const { res, lastEventId, history, retryMs } = this.#o;
    let missed: readonly Dict[] = [];
    if (lastEventId !== undefined && history !== undefined && this.#session !== undefined) {
      missed = await history(this.#session, this.#subscription as Id, lastEventId).catch((error: unknown) => {
        this.#o.logger.debug({ err: error, peer: this.info.peer }, 'SSE resume: no history to read');
        return [];
      });
    }
    if ((this.#state as State) === 'ended') return;
    res.writeHead(200, {
      ...this.#o.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // nginx buffers proxied responses unless told otherwise (docs/deployment.md).
      'x-accel-buffering': 'no',
    });
    res.write(retryMs === undefined ? ': subscribed\n\n' : `retry: ${retryMs}\n\n`);
    const replayed = new Set<Id>();
    for (const event of missed) {
      replayed.add(event.publication as Id);
      this.#write(
        event.publication as Id,
        (event.details as Dict | undefined)?.topic,
        payloadOf(event.args, event.kwargs, event.details),
      );
    }
    this.#state = 'streaming';
    for (const event of this.#held.splice(0)) if (!replayed.has(event.publication)) this.#writeEvent(event);
    if (this.#o.heartbeatMs > 0) {
      this.#heartbeat = setInterval(() => this.#o.res.write(': heartbeat\n\n'), this.#o.heartbeatMs);
      this.#heartbeat.unref();
    }
  }

  /** Holds an event while the history is read; a flood meanwhile counts as a slow reader. */
  #hold(event: EventMessage): void {
    this.#held.push(event);
    if (this.#held.length > MAX_HELD_EVENTS) {
      this.#o.logger.warn(
        { peer: this.info.peer, held: this.#held.length },
        'SSE stream: too many events while resuming',
      );
      this.#end('too many events while resuming');
    }
  }

  #writeEvent(event: EventMessage): string | undefined {
    if (event.payload !== undefined) return 'a passthru payload cannot be sent as Server-Sent Events';
    return this.#write(event.publication, event.details.topic, payloadOf(event.args, event.kwargs, event.details));
  }

  /** Writes one event; cuts a reader whose unread bytes pass the outbound limit. */
  #write(publication: Id, topic: unknown, payload: Dict): string | undefined {
    let data: string;
    try {
      data = JSON.stringify(payload);
    } catch (error) {
      return `the event cannot be written as JSON: ${(error as Error).message}`;
    }
    const name = typeof topic === 'string' ? topic : this.#o.topic;
    const { res } = this.#o;
    res.write(`id: ${publication}\nevent: ${name}\ndata: ${data}\n\n`);
    if (res.writableLength > this.#o.outboundLimit) {
      this.#o.logger.warn(
        { peer: this.info.peer, session: this.#session, buffered: res.writableLength, limit: this.#o.outboundLimit },
        'SSE reader too slow: stream closed',
      );
      if (this.#o.counters !== undefined) this.#o.counters.disconnects++;
      this.#end('slow reader');
      res.destroy();
    }
    return undefined;
  }

  /** Answers a refusal while nothing is written yet, and ends. */
  #refuse(status: number, message: string, reason?: string): void {
    if (this.#state === 'ended') return;
    const { res } = this.#o;
    if (!res.headersSent) sendError(res, status, message, reason === undefined ? {} : { reason }, this.#o.headers);
    this.#end(message);
  }

  #end(why: string): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    clearInterval(this.#heartbeat);
    this.#held = [];
    this.#o.logger.debug({ peer: this.info.peer, session: this.#session, why }, 'SSE stream ended');
    this.#connection?.transportClosed();
    const { res } = this.#o;
    if (!res.headersSent) sendError(res, 503, 'the stream ended before it opened', { reason: why }, this.#o.headers);
    else if (!res.writableEnded) res.end();
    this.#o.onEnd();
  }
}

/** The `data` of an event: always all three keys, so readers need not check for them. */
function payloadOf(args: unknown, kwargs: unknown, details: unknown): Dict {
  return { args: Array.isArray(args) ? args : [], kwargs: kwargs ?? {}, details: details ?? {} };
}
