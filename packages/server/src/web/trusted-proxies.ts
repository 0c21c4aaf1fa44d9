/**
 * The client address of a request that came through reverse proxies (`trusted_proxies` of a web
 * transport's `options`): when the direct peer is one of the trusted proxies, the address is read
 * from `Forwarded` (RFC 7239) or, without it, `X-Forwarded-For`, right to left, skipping the hops
 * that are trusted proxies themselves; the first address that is not is the client. A request
 * from anyone else keeps its socket's address, whatever headers it sends, so a client cannot
 * claim another address by writing the header itself. The address so found is what the session's
 * `transport.peer` reads, in the meta API, the logs and the login throttle. See docs/deployment.md.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { ListenerHandlers } from './http-listener.js';
import { type IpAllowList, unmapIPv4 } from './ip-allowlist.js';

/** The trusted proxies of the transport each request came in on. */
const trustOfRequest = new WeakMap<IncomingMessage, IpAllowList>();

/** Handlers that record, for every request, which proxies the transport trusts. */
export function withTrustedProxies(handlers: ListenerHandlers, trusted: IpAllowList): ListenerHandlers {
  return {
    request(req, res) {
      trustOfRequest.set(req, trusted);
      handlers.request(req, res);
    },
    upgrade(req, socket, head) {
      trustOfRequest.set(req, trusted);
      handlers.upgrade(req, socket, head);
    },
  };
}

/** One hop of a forwarding header: address and port (0 when not given). */
interface Hop {
  address: string;
  port: number;
}

/** `192.0.2.1`, `192.0.2.1:8080`, `[2001:db8::1]`, `"[2001:db8::1]:4711"`, `2001:db8::1`. */
function parseHop(raw: string): Hop | undefined {
  const text = raw.trim().replace(/^"(.*)"$/, '$1');
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed !== null) {
    const address = bracketed[1] as string;
    return isIP(address) === 6 ? { address, port: Number(bracketed[2] ?? 0) } : undefined;
  }
  const v4 = /^(\d+\.\d+\.\d+\.\d+)(?::(\d{1,5}))?$/.exec(text);
  if (v4 !== null)
    return isIP(v4[1] as string) === 4 ? { address: v4[1] as string, port: Number(v4[2] ?? 0) } : undefined;
  return isIP(text) === 6 ? { address: text, port: 0 } : undefined;
}

/** The hops of `Forwarded` (its `for=` parameters), or of `X-Forwarded-For`; left is farthest. */
function hopsOf(req: IncomingMessage): (Hop | undefined)[] {
  const forwarded = req.headers.forwarded;
  if (forwarded !== undefined && forwarded !== '') {
    return forwarded.split(',').map((element) => {
      const pair = element
        .split(';')
        .map((part) => part.trim())
        .find((part) => part.toLowerCase().startsWith('for='));
      // `for=unknown` and obfuscated identifiers (`_hidden`) name no address.
      return pair === undefined ? undefined : parseHop(pair.slice(4));
    });
  }
  const header = req.headers['x-forwarded-for'];
  if (header === undefined || header === '') return [];
  const joined = Array.isArray(header) ? header.join(',') : header;
  return joined.split(',').map(parseHop);
}

/**
 * The client's address and port as forwarded by a trusted proxy, or undefined when the request
 * did not come from one (or its header names no usable address): the socket's address stands.
 */
export function forwardedClient(req: IncomingMessage): Hop | undefined {
  const trusted = trustOfRequest.get(req);
  if (trusted === undefined || !trusted.allows(req.socket.remoteAddress)) return undefined;
  const hops = hopsOf(req);
  let client: Hop | undefined;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    // A hop that names no address: what lies beyond it cannot be trusted.
    if (hop === undefined) break;
    client = { address: unmapIPv4(hop.address), port: hop.port };
    if (!trusted.allows(hop.address)) break;
  }
  return client;
}
