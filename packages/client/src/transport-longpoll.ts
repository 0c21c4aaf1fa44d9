/**
 * The long-poll client transport (spec: advanced profile "HTTP Longpoll Transport") over
 * `fetch`, for browsers and Node 20: `POST <base>/open` agrees on a protocol and names the
 * transport; then `POST <base>/<id>/receive` is held by the router until it has a message
 * (or answers 204 when its request timeout passes, and we ask again), `POST <base>/<id>/send`
 * carries ours, and `POST <base>/<id>/close` ends it. The JSON of `open` and the URL layout
 * come from the protocol package.
 */
import {
  CanceledError,
  type Frame,
  InvalidArgumentError,
  longPollUrls,
  parseLongPollOpenResponse,
  type Serializer,
  TransportError,
  type WampMessage,
} from '@interchange/protocol';
import { offeredSerializers, type SerializerChoice } from './serializer-offer.js';
import type { ClientTransport, TransportCloseInfo, TransportFactory, TransportHandlers } from './transport.js';

/** The part of `fetch` the transport uses: the global one (browsers, Node 18+), or a test double. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Options of {@link connectLongPoll}. */
export interface LongPollTransportOptions {
  /** The `http://` or `https://` URL of the router's long-poll service, e.g. `https://example.com/lp`. */
  url: string;
  /**
   * Serializers to offer, in order of preference: names or `Serializer`s (batched forms too,
   * e.g. `createSerializer('json', { batched: true })`). Default `['json']`, as Autobahn|JS.
   */
  serializers?: readonly SerializerChoice[];
  /** The same as protocol names, e.g. `['wamp.2.json.batched', 'wamp.2.json']`. */
  protocols?: readonly string[];
  /**
   * Milliseconds any one request may take, `0` for no limit. Default 30000. It must be longer
   * than the router's own hold time for `receive` (Crossbar's and Interchange's `request_timeout`,
   * 10 s by default), or every idle poll would count as a failure.
   */
  requestTimeout?: number;
  /** Extra request headers (e.g. an authorization header for a proxy). */
  headers?: Record<string, string>;
  /** `fetch`'s `credentials`: `include` (the default, as Autobahn|JS) sends cookies cross-origin. */
  credentials?: RequestCredentials;
  /** Aborting it while opening rejects with `CanceledError`. */
  signal?: AbortSignal;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch?: FetchLike;
}

const DEFAULT_REQUEST_TIMEOUT = 30_000;

/** The MIME type of each serializer's bodies (those Crossbar and Autobahn use). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  json: 'application/json; charset=utf-8',
  msgpack: 'application/x-msgpack',
  cbor: 'application/cbor',
};

interface Requester {
  fetch: FetchLike;
  timeoutMs: number;
  headers: Record<string, string>;
  credentials: RequestCredentials;
}

/** A WAMP transport over one long-poll transport of the router. Created by {@link connectLongPoll}. */
export class LongPollTransport implements ClientTransport {
  readonly type = 'longpoll';
  /** The serializer agreed, e.g. `json`. */
  readonly serializer: string;
  /** The protocol agreed, e.g. `wamp.2.json`. */
  readonly protocol: string;
  /** The transport's URL, `<base>/<transport id>`, as Autobahn reports it. */
  readonly url: string;
  /** The transport ID the router gave. */
  readonly transportId: string;
  readonly #codec: Serializer;
  readonly #urls: { send: string; receive: string; close: string };
  readonly #requester: Requester;
  /** Aborts every request in flight once the transport is closed. */
  readonly #lifetime = new AbortController();
  #handlers: TransportHandlers | undefined;
  #early: Array<{ message: WampMessage } | { error: Error } | { close: TransportCloseInfo }> = [];
  #state: 'open' | 'closing' | 'closed' = 'open';
  #outbox: Frame[] = [];
  #sending: Promise<void> | undefined;
  #sawWampClose = false;

  /** @internal Starts receiving on a transport the router opened. */
  constructor(base: string, transportId: string, codec: Serializer, requester: Requester) {
    this.transportId = transportId;
    this.#codec = codec;
    this.serializer = codec.name;
    this.protocol = codec.subprotocol;
    this.#urls = longPollUrls(base, transportId);
    this.url = this.#urls.send.slice(0, -'/send'.length);
    this.#requester = requester;
    this.#receiveLoop().catch((error: unknown) => {
      // Only a handler throwing gets here; the transport cannot go on after it.
      this.#finish({ code: 1006, reason: `long-poll receive failed: ${messageOf(error)}`, wasClean: false });
    });
  }

  /** Autobahn's `transport.info`. */
  get info(): { type: 'longpoll'; url: string; protocol: string } {
    return { type: this.type, url: this.url, protocol: this.protocol };
  }

  attach(handlers: TransportHandlers): void {
    this.#handlers = handlers;
    const early = this.#early;
    this.#early = [];
    for (const item of early) deliver(handlers, item);
  }

  /**
   * Encodes one message and queues it for sending. Messages leave in order, one request at a
   * time (with batched protocols, all that are waiting in one request), so the router sees them
   * in the order sent. Dropped once the transport is closing. Throws what the serializer throws.
   */
  send(message: WampMessage): void {
    const frame = this.#codec.encode(message);
    if (this.#state !== 'open') return;
    this.#outbox.push(frame);
    this.#sending ??= this.#drainOutbox();
  }

  /**
   * Closes: lets queued messages go out (a last GOODBYE or ABORT), stops polling, and tells the
   * router with `close`. Reports a clean close once that is done, even if the router is gone.
   */
  close(code = 1000, reason = ''): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    void (async () => {
      await this.#sending;
      if (this.#state !== 'closing') return;
      try {
        const response = await this.#request(this.#urls.close, undefined, false);
        await response.body?.cancel();
      } catch {
        // The router may already have forgotten the transport; the close is ours either way.
      }
      this.#finish({ code, reason, wasClean: true });
    })();
  }

  async #drainOutbox(): Promise<void> {
    try {
      while (this.#outbox.length > 0 && this.#state !== 'closed') {
        const frames = this.#codec.batched ? this.#outbox.splice(0) : this.#outbox.splice(0, 1);
        const body = this.#codec.batched ? this.#codec.joinFrames(frames) : (frames[0] as Frame);
        let response: Response;
        try {
          response = await this.#request(this.#urls.send, body, true);
          await response.body?.cancel();
        } catch (error) {
          this.#finish({ code: 1006, reason: `long-poll send failed: ${messageOf(error)}`, wasClean: false });
          return;
        }
        if (!response.ok) {
          this.#finish({ code: 1006, reason: `long-poll send failed: HTTP ${response.status}`, wasClean: false });
          return;
        }
      }
    } finally {
      this.#sending = undefined;
    }
  }

  async #receiveLoop(): Promise<void> {
    while (this.#state === 'open') {
      let response: Response;
      let body: Frame;
      try {
        response = await this.#request(this.#urls.receive, undefined, false);
        if (response.status !== 200) {
          await response.body?.cancel();
        }
        body =
          response.status === 200
            ? this.#codec.binary
              ? new Uint8Array(await response.arrayBuffer())
              : await response.text()
            : '';
      } catch (error) {
        if (this.#state !== 'open') return;
        this.#finish({ code: 1006, reason: `long-poll receive failed: ${messageOf(error)}`, wasClean: false });
        return;
      }
      if (this.#closed) return;
      if (response.status === 204) continue;
      if (response.status === 404 || response.status === 410) {
        // The router forgot the transport: after its GOODBYE or ABORT that is the orderly end.
        if (this.#state !== 'open') return;
        this.#finish(
          this.#sawWampClose
            ? { code: 1000, reason: 'closed by the router', wasClean: true }
            : { code: 1006, reason: 'the router dropped the long-poll transport', wasClean: false },
        );
        return;
      }
      if (response.status !== 200) {
        this.#finish({ code: 1006, reason: `long-poll receive failed: HTTP ${response.status}`, wasClean: false });
        return;
      }
      this.#onFrame(body);
    }
  }

  /** Read through a getter: TypeScript would narrow the field across the loop's awaits. */
  get #closed(): boolean {
    return this.#state === 'closed';
  }

  #onFrame(body: Frame): void {
    let messages: WampMessage[];
    try {
      messages = this.#codec.decode(body);
    } catch (error) {
      this.#emit({ error: error instanceof Error ? error : new TransportError(String(error)) });
      return;
    }
    for (const message of messages) {
      if (this.#state === 'closed') return;
      if (message.type === 'GOODBYE' || message.type === 'ABORT') this.#sawWampClose = true;
      this.#emit({ message });
    }
  }

  #request(url: string, body: Frame | undefined, isSend: boolean): Promise<Response> {
    const headers: Record<string, string> = { ...this.#requester.headers };
    if (isSend) headers['content-type'] = CONTENT_TYPES[this.#codec.name] ?? 'application/octet-stream';
    return request(
      this.#requester,
      url,
      {
        method: 'POST',
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : (body as Uint8Array<ArrayBuffer>) }),
      },
      this.#lifetime.signal,
    );
  }

  #finish(info: TransportCloseInfo): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#outbox = [];
    this.#lifetime.abort();
    this.#emit({ close: info });
  }

  #emit(item: { message: WampMessage } | { error: Error } | { close: TransportCloseInfo }): void {
    if (this.#handlers === undefined) this.#early.push(item);
    else deliver(this.#handlers, item);
  }
}

/**
 * Opens a long-poll transport: `POST <url>/open` with the protocols to offer, then starts
 * polling. Resolves with the open transport; rejects with `TransportError` when the router
 * cannot be reached or refuses (its HTTP status and error text in the message), and with
 * `CanceledError` when `signal` aborts first.
 *
 * @throws InvalidArgumentError at once for a URL that is not http(s), or a bad serializer.
 * @example
 * const transport = await connectLongPoll({ url: 'http://127.0.0.1:8080/lp' });
 * const session = new Session(transport, { realm: 'realm1' });
 */
export async function connectLongPoll(options: LongPollTransportOptions): Promise<LongPollTransport> {
  const { base, offered, requester } = planOf(options);
  const { signal } = options;
  if (signal?.aborted === true) throw new CanceledError(`connecting to ${base} canceled`, { cause: signal.reason });
  let response: Response;
  let text: string;
  try {
    response = await request(
      requester,
      `${base}/open`,
      {
        method: 'POST',
        headers: { ...requester.headers, 'content-type': CONTENT_TYPES['json'] as string },
        body: JSON.stringify({ protocols: [...offered.keys()] }),
      },
      signal,
    );
    text = await response.text();
  } catch (error) {
    if (isAborted(signal)) throw new CanceledError(`connecting to ${base} canceled`, { cause: signal?.reason });
    throw new TransportError(`could not open a long-poll transport at ${base}: ${messageOf(error)}`, { cause: error });
  }
  if (response.status !== 200) {
    throw new TransportError(
      `could not open a long-poll transport at ${base}: HTTP ${response.status}${errorTextOf(text)}`,
    );
  }
  let answer: { transport: string; protocol: string };
  try {
    answer = parseLongPollOpenResponse(text);
  } catch (error) {
    throw new TransportError(`${base} is not a WAMP long-poll service: ${messageOf(error)}`, { cause: error });
  }
  const codec = offered.get(answer.protocol);
  if (codec === undefined) {
    throw new TransportError(
      `${base}: the router picked '${answer.protocol}' of the offered protocols ${[...offered.keys()].join(', ')}`,
    );
  }
  return new LongPollTransport(base, answer.transport, codec, requester);
}

/** A `TransportFactory` for `Connection`: a new long-poll transport on each attempt. */
export function longPollTransportFactory(options: Omit<LongPollTransportOptions, 'signal'>): TransportFactory {
  // Validate once, at configuration time, rather than on the first connect attempt.
  planOf(options);
  return (signal) => connectLongPoll({ ...options, signal });
}

/** Whether this runtime has a `fetch` to poll with. */
export function longPollAvailable(fetchImpl?: FetchLike): boolean {
  return typeof (fetchImpl ?? (globalThis as { fetch?: unknown }).fetch) === 'function';
}

function planOf(options: Omit<LongPollTransportOptions, 'signal'>): {
  base: string;
  offered: Map<string, Serializer>;
  requester: Requester;
} {
  const { url } = options;
  if (typeof url !== 'string' || !/^https?:\/\/[^/]/i.test(url)) {
    throw new InvalidArgumentError(`a long-poll url must be an http:// or https:// URL, got ${String(url)}`);
  }
  const offered = offeredSerializers(options);
  const timeoutMs = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
    throw new InvalidArgumentError(`requestTimeout must be 0 or more, got ${String(timeoutMs)}`);
  const fetchImpl = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof fetchImpl !== 'function')
    throw new InvalidArgumentError('long-poll needs fetch: this runtime has none; pass options.fetch');
  return {
    base: url.replace(/\/+$/, ''),
    offered,
    requester: {
      // Called unbound: browsers throw "Illegal invocation" for fetch called on another object.
      fetch: options.fetch ?? ((input, init) => fetchImpl(input, init)),
      timeoutMs,
      headers: { ...options.headers },
      credentials: options.credentials ?? 'include',
    },
  };
}

/** One request, aborted by `signal` or after the request timeout. */
async function request(
  requester: Requester,
  url: string,
  init: RequestInit,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted === true) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = requester.timeoutMs;
  const timer =
    timeoutMs > 0
      ? setTimeout(
          () => controller.abort(new TransportError(`no answer from ${url} within ${timeoutMs} ms`)),
          timeoutMs,
        )
      : undefined;
  try {
    return await requester.fetch(url, {
      ...init,
      credentials: requester.credentials,
      cache: 'no-store',
      signal: controller.signal,
    });
  } catch (error) {
    const reason: unknown = controller.signal.reason;
    throw reason instanceof TransportError ? reason : error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function deliver(
  handlers: TransportHandlers,
  item: { message: WampMessage } | { error: Error } | { close: TransportCloseInfo },
): void {
  if ('message' in item) handlers.onMessage(item.message);
  else if ('error' in item) handlers.onProtocolError(item.error);
  else handlers.onClose(item.close);
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's fetch hides the reason (ECONNREFUSED, ...) in `cause`.
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== '' && cause.message !== error.message
    ? `${error.message} (${cause.message})`
    : error.message;
}

/** The `error` field of a JSON error body (Crossbar's and Interchange's shape), if there is one. */
function errorTextOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return `: ${parsed.error}`;
  } catch {
    // Not JSON.
  }
  return body.trim() === '' ? '' : `: ${body.trim().slice(0, 200)}`;
}
