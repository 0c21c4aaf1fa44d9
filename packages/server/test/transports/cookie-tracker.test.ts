import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CookieTracker, readCookie } from '../../src/transports/cookie-tracker.js';

function request(cookie?: string): IncomingMessage {
  return { headers: cookie === undefined ? {} : { cookie }, socket: {} } as unknown as IncomingMessage;
}

/** Collects what the tracker adds to a handshake response. */
function responseHeaders(tracker: CookieTracker, req: IncomingMessage): string[] {
  let listener: ((headers: string[], request: IncomingMessage) => void) | undefined;
  const server = {
    on: (_event: string, fn: typeof listener) => {
      listener = fn;
    },
  };
  tracker.attach(server as never);
  const headers: string[] = [];
  listener?.(headers, req);
  return headers;
}

const identity = { realm: 'realm1', authid: 'joe', authrole: 'user', authmethod: 'ticket' };

describe('CookieTracker', () => {
  it('issues a new random cookie to a request without one, HttpOnly and SameSite', () => {
    const tracker = new CookieTracker();
    const req = request();
    tracker.handleFor(req);
    const [header] = responseHeaders(tracker, req);
    expect(header).toMatch(/^Set-Cookie: cbtid=[A-Za-z0-9_-]{24}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('remembers the identity set through a handle, for the same cookie only', () => {
    const tracker = new CookieTracker();
    const first = request();
    tracker.handleFor(first).set(identity);
    const id = responseHeaders(tracker, first)[0]?.match(/cbtid=([^;]+)/)?.[1];
    const again = request(`other=1; cbtid=${id}`);
    expect(tracker.handleFor(again).get()).toEqual(identity);
    expect(responseHeaders(tracker, again)).toEqual([]);
    expect(tracker.handleFor(request('cbtid=unknown')).get()).toBeUndefined();
  });

  it('logout forgets the identity but keeps the cookie, which can authenticate again', () => {
    const tracker = new CookieTracker();
    const first = request();
    tracker.handleFor(first).set(identity);
    const id = responseHeaders(tracker, first)[0]?.match(/cbtid=([^;]+)/)?.[1];
    const again = request(`cbtid=${id}`);
    tracker.handleFor(again).logout?.();
    expect(tracker.authenticatedSize).toBe(0);
    const later = tracker.handleFor(request(`cbtid=${id}`));
    expect(later.get()).toBeUndefined();
    expect(later.id).toBe(id);
    later.set(identity);
    expect(tracker.handleFor(request(`cbtid=${id}`)).get()).toEqual(identity);
  });

  it("logout closes the cookie's other open connections, not its own, nor other cookies'", () => {
    const tracker = new CookieTracker();
    const first = request();
    const mine = tracker.handleFor(first);
    mine.set(identity);
    const id = responseHeaders(tracker, first)[0]?.match(/cbtid=([^;]+)/)?.[1];
    const closed: string[] = [];
    mine.opened(() => closed.push('mine'));
    const closedTab = tracker.handleFor(request(`cbtid=${id}`)).opened(() => closed.push('closed tab'));
    closedTab();
    tracker.handleFor(request(`cbtid=${id}`)).opened(() => closed.push('other tab'));
    tracker.handleFor(request()).opened(() => closed.push('other cookie'));
    mine.logout?.();
    expect(closed).toEqual(['other tab']);
  });

  it('forgets cookies after their max age, and keeps at most maxEntries', () => {
    let now = 0;
    const tracker = new CookieTracker({ maxAgeSeconds: 10, maxEntries: 2, now: () => now });
    const req = request();
    const handle = tracker.handleFor(req);
    handle.set(identity);
    now = 9_999;
    expect(handle.get()).toEqual(identity);
    now = 10_000;
    expect(handle.get()).toBeUndefined();
    for (let i = 0; i < 5; i++) tracker.handleFor(request());
    expect(tracker.size).toBe(2);
  });

  it('reads a cookie from a Cookie header', () => {
    expect(readCookie('a=1; cbtid=xyz; b=2', 'cbtid')).toBe('xyz');
    expect(readCookie('a=1', 'cbtid')).toBeUndefined();
    expect(readCookie(undefined, 'cbtid')).toBeUndefined();
  });
});
