/**
 * Cookies handed out on handshakes that never authenticate live in a budget of their own, so a
 * flood of throwaway handshakes cannot push out the cookies of authenticated browsers.
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CookieTracker } from '../../src/transports/cookie-tracker.js';

function request(cookie?: string): IncomingMessage {
  return { headers: cookie === undefined ? {} : { cookie }, socket: {} } as unknown as IncomingMessage;
}

/** The cookie a handshake got, read from the Set-Cookie header the tracker adds. */
function issuedCookie(tracker: CookieTracker, req: IncomingMessage): string | undefined {
  let listener: ((headers: string[], request: IncomingMessage) => void) | undefined;
  tracker.attach({ on: (_event: string, fn: typeof listener) => (listener = fn) } as never);
  const headers: string[] = [];
  listener?.(headers, req);
  return headers[0]?.match(/cbtid=([^;]+)/)?.[1];
}

const joe = { realm: 'realm1', authid: 'joe', authrole: 'user', authmethod: 'ticket' };

describe('CookieTracker under a flood of anonymous handshakes', () => {
  it('keeps an authenticated cookie through many more anonymous handshakes than it has room for', () => {
    const tracker = new CookieTracker({ maxEntries: 100 });
    const first = request();
    tracker.handleFor(first).set(joe);
    const cookie = issuedCookie(tracker, first);
    for (let i = 0; i < 1_000; i++) tracker.handleFor(request());
    const back = request(`cbtid=${cookie}`);
    expect(tracker.handleFor(back).get()).toEqual(joe);
    expect(issuedCookie(tracker, back)).toBeUndefined();
    expect(tracker.authenticatedSize).toBe(1);
    expect(tracker.size).toBeLessThanOrEqual(101);
  });

  it('bounds the cookies of handshakes that did not authenticate by their own budget', () => {
    const tracker = new CookieTracker({ maxAnonymousEntries: 3 });
    const requests = Array.from({ length: 5 }, () => request());
    for (const req of requests) tracker.handleFor(req);
    expect(tracker.size).toBe(3);
    expect(tracker.authenticatedSize).toBe(0);
    // The oldest anonymous cookie was forgotten: presenting it gets a new one.
    const oldest = issuedCookie(tracker, requests[0]!);
    const again = request(`cbtid=${oldest}`);
    tracker.handleFor(again);
    expect(issuedCookie(tracker, again)).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(issuedCookie(tracker, again)).not.toBe(oldest);
    // A recent one is still known: no new cookie.
    const recent = request(`cbtid=${issuedCookie(tracker, requests[4]!)}`);
    tracker.handleFor(recent);
    expect(issuedCookie(tracker, recent)).toBeUndefined();
  });

  it('records a cookie that authenticates even after the flood pushed out its anonymous entry', () => {
    const tracker = new CookieTracker({ maxAnonymousEntries: 2 });
    const first = request();
    const handle = tracker.handleFor(first);
    const cookie = issuedCookie(tracker, first);
    for (let i = 0; i < 10; i++) tracker.handleFor(request());
    handle.set(joe);
    expect(tracker.handleFor(request(`cbtid=${cookie}`)).get()).toEqual(joe);
  });

  it('evicts the least recently used authenticated cookie, counting a browser coming back as a use', () => {
    const tracker = new CookieTracker({ maxEntries: 2 });
    const cookies: string[] = [];
    for (const authid of ['a', 'b']) {
      const req = request();
      tracker.handleFor(req).set({ ...joe, authid });
      cookies.push(issuedCookie(tracker, req)!);
    }
    tracker.handleFor(request(`cbtid=${cookies[0]}`)); // a comes back
    tracker.handleFor(request()).set({ ...joe, authid: 'c' });
    expect(tracker.handleFor(request(`cbtid=${cookies[0]}`)).get()?.authid).toBe('a');
    expect(tracker.handleFor(request(`cbtid=${cookies[1]}`)).get()).toBeUndefined();
  });
});
