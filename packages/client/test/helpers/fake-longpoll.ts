import type { FetchLike } from '../../src/index.js';

/** One request the client made. */
export interface SeenRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  credentials: string | undefined;
}

/**
 * A long-poll service double behind a fake `fetch`: `open` answers with `protocol`, `send` and
 * `close` answer 204 (or what `sendStatus` says), and each `receive` is held until the test
 * answers it with `deliver`, `idle` (204) or `gone` (404), as a router holds polls.
 */
export class FakeLongPoll {
  readonly requests: SeenRequest[] = [];
  /** The protocol `open` picks; `undefined` answers 400 with a JSON error. */
  protocol: string | undefined = 'wamp.2.json';
  transportId = 'tr_1';
  sendStatus = 204;
  /** Sends are answered only when the test calls `releaseSends`, when true. */
  holdSends = false;
  readonly #polls: Array<(response: Response) => void> = [];
  readonly #heldSends: Array<() => void> = [];
  readonly #pollWaiters: Array<() => void> = [];

  readonly fetch: FetchLike = async (url, init) => {
    const seen: SeenRequest = {
      url,
      method: init.method ?? 'GET',
      headers: { ...(init.headers as Record<string, string> | undefined) },
      body: init.body === undefined || init.body === null ? undefined : (init.body as string | Uint8Array),
      credentials: init.credentials,
    };
    this.requests.push(seen);
    const path = new URL(url).pathname;
    if (path.endsWith('/open')) {
      if (this.protocol === undefined) return json(400, { error: 'no common protocol to speak' });
      return json(200, { transport: this.transportId, protocol: this.protocol });
    }
    if (path.endsWith('/send')) {
      if (this.holdSends) await new Promise<void>((resolve) => this.#heldSends.push(resolve));
      return new Response(null, { status: this.sendStatus });
    }
    if (path.endsWith('/close')) return new Response(null, { status: 204 });
    if (path.endsWith('/receive')) {
      return new Promise<Response>((resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
        this.#polls.push(resolve);
        for (const wake of this.#pollWaiters.splice(0)) wake();
      });
    }
    return json(404, { error: 'not found' });
  };

  /** Requests to a path ending in `op` (`open`, `send`, `receive`, `close`). */
  of(op: string): SeenRequest[] {
    return this.requests.filter((r) => r.url.endsWith(`/${op}`));
  }

  /** Resolves once a receive request is waiting. */
  async poll(): Promise<(response: Response) => void> {
    while (this.#polls.length === 0) await new Promise<void>((resolve) => this.#pollWaiters.push(resolve));
    return this.#polls.shift() as (response: Response) => void;
  }

  /** Answers the next poll with a message body. */
  async deliver(body: string | Uint8Array, contentType = 'application/json'): Promise<void> {
    (await this.poll())(new Response(body as BodyInit, { status: 200, headers: { 'content-type': contentType } }));
  }

  /** Answers the next poll with 204: nothing arrived within the router's request timeout. */
  async idle(): Promise<void> {
    (await this.poll())(new Response(null, { status: 204 }));
  }

  /** Answers the next poll with 404: the router forgot the transport. */
  async gone(): Promise<void> {
    (await this.poll())(json(404, { error: `no WAMP transport '${this.transportId}'` }));
  }

  releaseSends(): void {
    for (const release of this.#heldSends.splice(0)) release();
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Waits until `check` holds, letting promise callbacks and fake fetch answers run. */
export async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!check()) throw new Error('condition not reached');
}
