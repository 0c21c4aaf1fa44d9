/**
 * HTTP helpers for tests: a POST that reads the answer as text and JSON, an HTTPS request with
 * the test CA, and an inbox of WAMP events to await one by one.
 */
import { request as httpsRequest } from 'node:https';
import type { Event } from '@interchange/client';

/** An HTTP answer. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** POSTs `body` (JSON content type unless other headers are given). */
export async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', body: asBody(body), headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: parseJson(text) };
}

/** An HTTPS request trusting `ca`, optionally with a client certificate. */
export function httpsPost(
  url: string,
  body: string,
  tls: { ca: string; cert?: string; key?: string },
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<{ status: number; text: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', headers, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, text, json: parseJson(text) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Events as they arrive, awaited in order. */
export class EventInbox {
  readonly #events: Event[] = [];
  readonly #waiters: ((event: Event) => void)[] = [];

  push(event: Event): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(event);
    else this.#events.push(event);
  }

  next(): Promise<Event> {
    const event = this.#events.shift();
    if (event !== undefined) return Promise.resolve(event);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** `fetch` takes bytes only over a plain ArrayBuffer; a Buffer may sit in a shared pool. */
export function asBody(body: string | Uint8Array): string | Uint8Array<ArrayBuffer> {
  return typeof body === 'string' ? body : new Uint8Array(body);
}
