import { createSerializer, InvalidArgumentError, TransportError, type WampMessage } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import {
  Connection,
  type ConnectionCloseDetails,
  type ConnectionCloseReason,
  connect,
  type Logger,
  type Session,
  transportFactoryOf,
  transportTypeOfUrl,
  type WebSocketLike,
} from '../src/index.js';
import { FakeClock } from './helpers/fake-clock.js';
import { FakeLongPoll, until } from './helpers/fake-longpoll.js';

const json = createSerializer('json');
const WELCOME: WampMessage = { type: 'WELCOME', session: 42, details: { roles: { broker: {}, dealer: {} } } };

/** A WebSocket whose connection is always refused, as when a proxy blocks WebSockets. */
class RefusedWebSocket implements WebSocketLike {
  static urls: string[] = [];
  readonly protocol = '';
  readyState = 0;
  binaryType = 'blob';
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;

  constructor(url: string) {
    RefusedWebSocket.urls.push(url);
    setImmediate(() => {
      this.readyState = 3;
      this.onerror?.({ message: 'connect ECONNREFUSED' });
      this.onclose?.({ code: 1006, reason: '', wasClean: false });
    });
  }

  send(): void {}
  close(): void {}
}

/** Answers the HELLO that arrives over long-poll with WELCOME. */
async function welcome(server: FakeLongPoll, sendsBefore: number): Promise<void> {
  await until(() => server.of('send').length > sendsBefore);
  expect(json.decode(server.of('send')[sendsBefore]?.body as string)[0]?.type).toBe('HELLO');
  await server.deliver(json.encode(WELCOME) as string);
}

function fallbackConnection(
  server: FakeLongPoll,
  clock: FakeClock,
): {
  connection: Connection;
  opened: Array<{ session: Session; details: Record<string, unknown> }>;
  closed: Array<[ConnectionCloseReason, ConnectionCloseDetails]>;
} {
  RefusedWebSocket.urls = [];
  const connection = new Connection({
    realm: 'realm1',
    transports: [
      { type: 'websocket', url: 'ws://h/ws' },
      { type: 'longpoll', url: 'http://h/lp' },
    ],
    WebSocket: RefusedWebSocket,
    fetch: server.fetch,
    clock,
    retry_delay_jitter: 0,
  });
  const opened: Array<{ session: Session; details: Record<string, unknown> }> = [];
  const closed: Array<[ConnectionCloseReason, ConnectionCloseDetails]> = [];
  connection.onopen = (session, details) => void opened.push({ session, details });
  connection.onclose = (reason, details) => void closed.push([reason, details]);
  return { connection, opened, closed };
}

describe('transportTypeOfUrl', () => {
  it.each([
    ['ws://h/ws', 'websocket'],
    ['WSS://h/ws', 'websocket'],
    ['rs://h:1', 'rawsocket'],
    ['rss://h:1', 'rawsocket'],
    ['tcp://h:1', 'rawsocket'],
    ['unix:///tmp/s', 'rawsocket'],
    ['http://h/lp', 'longpoll'],
    ['https://h/lp', 'longpoll'],
    ['ftp://h', undefined],
    ['no scheme', undefined],
  ])('%s is %s', (url, type) => {
    expect(transportTypeOfUrl(url)).toBe(type);
  });
});

describe('transport lists', () => {
  it('falls back from a websocket that cannot connect to long-poll, in the same attempt', async () => {
    const server = new FakeLongPoll();
    const h = fallbackConnection(server, new FakeClock());
    h.connection.open();
    await welcome(server, 0);
    await until(() => h.opened.length === 1);
    expect(RefusedWebSocket.urls).toEqual(['ws://h/ws']);
    expect(h.closed).toEqual([]);
    expect(h.opened[0]?.session.id).toBe(42);
    expect(h.opened[0]?.details['transport']).toEqual({
      type: 'longpoll',
      url: 'http://h/lp/tr_1',
      protocol: 'wamp.2.json',
    });
    expect(h.connection.transport.info.type).toBe('longpoll');
    h.connection.close();
  });

  it('starts each reconnect attempt from the first entry again', async () => {
    const server = new FakeLongPoll();
    const clock = new FakeClock();
    const h = fallbackConnection(server, clock);
    h.connection.open();
    await welcome(server, 0);
    await until(() => h.opened.length === 1);
    await server.gone(); // the router drops the transport: lost, not a WAMP close
    await until(() => h.closed.length === 1);
    expect(h.closed[0]?.[0]).toBe('lost');
    expect(h.closed[0]?.[1].will_retry).toBe(true);
    clock.advance(1500);
    await welcome(server, 1);
    await until(() => h.opened.length === 2);
    expect(RefusedWebSocket.urls).toEqual(['ws://h/ws', 'ws://h/ws']);
    h.connection.close();
  });

  it('fails the attempt only when every entry failed, naming each failure', async () => {
    const server = new FakeLongPoll();
    server.protocol = undefined; // open answers 400
    const h = fallbackConnection(server, new FakeClock());
    h.connection.open();
    await until(() => h.closed.length === 1);
    const [reason, details] = h.closed[0] as [ConnectionCloseReason, ConnectionCloseDetails];
    expect(reason).toBe('unreachable');
    expect(details.will_retry).toBe(true);
    expect(details.message).toMatch(
      /^no transport could connect \(websocket ws:\/\/h\/ws: .*ECONNREFUSED.*; longpoll http:\/\/h\/lp: .*HTTP 400/,
    );
    h.connection.close();
  });

  it('skips entries of unknown types with a warning, and uses the rest', async () => {
    const warnings: unknown[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (obj) => void warnings.push(obj) };
    const choice = transportFactoryOf(
      [
        { type: 'mqtt', url: 'mqtt://h' },
        { type: 'longpoll', url: 'http://h/lp' },
      ],
      { fetch: new FakeLongPoll().fetch },
      logger,
    );
    expect(choice.factory).toBeTypeOf('function');
    expect(choice.skipped).toEqual([{ type: 'mqtt', reason: expect.stringContaining('unknown transport type') }]);
    expect(warnings).toEqual([expect.objectContaining({ type: 'mqtt' })]);
  });

  it('checks entries when the options are read', () => {
    expect(() => transportFactoryOf([{ type: 'longpoll', url: 'ws://h/lp' }])).toThrow(InvalidArgumentError);
    expect(() => transportFactoryOf([{ type: 'rawsocket', url: 'rs://h:1', rawsocket_max_len_exp: 30 }])).toThrow(
      /rawsocket_max_len_exp/,
    );
    expect(() => transportFactoryOf([{ type: 'rawsocket' }])).toThrow(/needs url, host and port, or path/);
    expect(() => new Connection({ realm: 'r', transports: [{ type: 'websocket' }] })).toThrow(/needs a url/);
  });
});

describe('connect with a URL or a transport list', () => {
  it('picks long-poll for an http URL', async () => {
    const server = new FakeLongPoll();
    const joining = connect({ url: 'http://h/lp', realm: 'realm1', fetch: server.fetch });
    await welcome(server, 0);
    const session = await joining;
    expect(session.transport.type).toBe('longpoll');
    expect(session.id).toBe(42);
    session.transport.close();
  });

  it('walks a transports list', async () => {
    const server = new FakeLongPoll();
    const joining = connect({
      realm: 'realm1',
      transports: [
        { type: 'websocket', url: 'ws://h/ws' },
        { type: 'longpoll', url: 'http://h/lp' },
      ],
      WebSocket: RefusedWebSocket,
      fetch: server.fetch,
    });
    await welcome(server, 0);
    expect((await joining).transport.type).toBe('longpoll');
  });

  it('rejects an unknown scheme at once, and a list with nothing usable with TransportError', async () => {
    await expect(connect({ url: 'ftp://h', realm: 'r' })).rejects.toThrow(InvalidArgumentError);
    await expect(connect({ transports: [{ type: 'mqtt' }], realm: 'r' })).rejects.toThrow(TransportError);
  });
});
