/**
 * Reading a node's Prometheus scrape in a test, and a node whose metrics can be checked against
 * traffic on every client transport and serializer.
 */
import { expect } from 'vitest';
import { type ConfigNode, LOCAL_ENDPOINT, openRealm, routerConfig, startConfigNode } from './config-node.js';

/** A scrape, as `name{labels}` → value. */
export type Scrape = Map<string, number>;

/** Prometheus' text format, one sample a line; comments and blank lines skipped. */
export function parseScrape(text: string): Scrape {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** How a client reaches the node: a URL and the one serializer it offers. */
export interface ClientTransport {
  url: string;
  serializers: ('json' | 'msgpack' | 'cbor')[];
}

/** A node with a `metrics` path, WebSocket (json, msgpack, cbor), long-poll and RawSocket. */
export interface MetricsNode {
  node: ConfigNode;
  /** One entry per client transport and serializer: WebSocket ×3, RawSocket ×2, long-poll. */
  clients: ClientTransport[];
  /** Fetches `/metrics`, which must answer 200. */
  scrape(): Promise<Scrape>;
}

export async function startMetricsNode(prefix: string): Promise<MetricsNode> {
  const config = routerConfig(
    [openRealm()],
    [
      {
        type: 'web',
        id: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: {
          ws: { type: 'websocket', serializers: ['json', 'msgpack', 'cbor'] },
          lp: { type: 'longpoll' },
          metrics: { type: 'metrics' },
        },
      },
      { type: 'rawsocket', id: 'raw', endpoint: LOCAL_ENDPOINT, serializers: ['json', 'msgpack'] },
    ],
  );
  const node = await startConfigNode(config, { prefix });
  const [web, raw] = node.node.addresses;
  const base = web?.url as string;
  const rawsocket = raw?.url as string;
  const ws = `${base.replace('http', 'ws')}ws`;
  return {
    node,
    clients: [
      { url: ws, serializers: ['json'] },
      { url: ws, serializers: ['msgpack'] },
      { url: ws, serializers: ['cbor'] },
      { url: rawsocket, serializers: ['json'] },
      { url: rawsocket, serializers: ['msgpack'] },
      { url: `${base}lp`, serializers: ['json'] },
    ],
    async scrape() {
      const response = await fetch(`${base}metrics`);
      expect(response.status).toBe(200);
      return parseScrape(await response.text());
    },
  };
}
