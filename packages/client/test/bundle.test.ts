import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { minifyBundle } from '../scripts/minify.mjs';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Builds the IIFE bundle in memory with the options of scripts/bundle.mjs, terser pass included;
 * once for both tests (terser takes seconds on the full bundle).
 */
let built: Promise<{ code: string; inputs: string[] }> | undefined;
function bundle(): Promise<{ code: string; inputs: string[] }> {
  built ??= buildBundle();
  return built;
}

async function buildBundle(): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: ['src/browser-global.ts'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['es2022'],
    conditions: ['source'],
    external: ['ws', 'node:*'],
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const { code } = await minifyBundle(result.outputFiles[0]?.text ?? '', { format: 'iife' });
  return { code, inputs: Object.keys(result.metafile.inputs) };
}

/** A browser-like WebSocket double: records what the page sends, lets the test answer. */
class PageWebSocket {
  static instances: PageWebSocket[] = [];
  readonly url: string;
  readonly protocols: string[];
  protocol = '';
  readyState = 0;
  binaryType = 'blob';
  readonly sent: unknown[] = [];
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  onclose: ((e: { code: number; reason: string; wasClean: boolean }) => void) | null = null;

  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocols = protocols;
    PageWebSocket.instances.push(this);
  }

  send(data: unknown): void {
    this.sent.push(data);
  }

  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason, wasClean: true }));
  }

  accept(protocol: string): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen?.({});
  }
}

describe('browser bundle', () => {
  it('leaves ws out and exposes globalThis.interchange and globalThis.autobahn', async () => {
    const { code, inputs } = await bundle();
    expect(inputs.some((path) => path.includes('node_modules/ws/'))).toBe(false);
    const page = vm.createContext({
      WebSocket: PageWebSocket,
      TextEncoder,
      TextDecoder,
      AbortController,
      AbortSignal,
      queueMicrotask,
      setTimeout,
      clearTimeout,
      crypto: globalThis.crypto,
    });
    vm.runInContext(code, page);
    const { interchange, autobahn } = page as unknown as {
      interchange: Record<string, unknown>;
      autobahn: { Connection: new (o: object) => { onopen: unknown; open(): void }; Result: unknown };
    };
    expect(typeof interchange['connect']).toBe('function');
    expect(typeof interchange['Session']).toBe('function');
    expect(interchange['autobahn']).toBe(autobahn);
    expect(autobahn.Result).toBe(interchange['Result']);

    // The page's Autobahn code, as written: the bundle uses the page's WebSocket, never ws.
    const opened: unknown[] = [];
    vm.runInContext(
      `var connection = new autobahn.Connection({ url: 'ws://router.example/ws', realm: 'votesapp' });
       connection.onopen = function (session, details) { opened.push(session.id); };
       connection.open();`,
      Object.assign(page, { opened }),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    const socket = PageWebSocket.instances[0];
    expect(socket?.url).toBe('ws://router.example/ws');
    expect(socket?.protocols).toEqual(['wamp.2.json']);
    socket?.accept('wamp.2.json');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(JSON.parse(String(socket?.sent[0]))).toEqual([
      1,
      'votesapp',
      expect.objectContaining({ roles: expect.any(Object) }),
    ]);
    socket?.onmessage?.({ data: JSON.stringify([2, 99, { roles: { broker: {}, dealer: {} } }]) });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(opened).toEqual([99]);
  }, 60_000);

  it('holds no node:net or node:tls, and refuses RawSocket with a clear, named TransportError', async () => {
    const { code, inputs } = await bundle();
    expect(code).not.toMatch(/["'`]node:/);
    expect(inputs.some((path) => path.endsWith('src/rawsocket-socket.ts'))).toBe(false);
    expect(inputs.some((path) => path.endsWith('src/rawsocket-socket-browser.ts'))).toBe(true);
    PageWebSocket.instances = [];
    const page = vm.createContext({
      WebSocket: PageWebSocket,
      TextEncoder,
      TextDecoder,
      AbortController,
      AbortSignal,
      queueMicrotask,
      setTimeout,
      clearTimeout,
      crypto: globalThis.crypto,
    });
    vm.runInContext(code, page);
    const { interchange } = page as unknown as {
      interchange: {
        connect(o: object): Promise<unknown>;
        connectRawSocket(o: object): Promise<unknown>;
        TransportError: new () => Error;
        Connection: new (o: object) => { onclose: unknown; open(): void; close(): Promise<void> };
      };
    };
    const direct = await interchange.connectRawSocket({ url: 'rs://router.example:8081' }).catch((e: unknown) => e);
    expect(direct).toBeInstanceOf(interchange.TransportError);
    expect((direct as Error).message).toMatch(/^RawSocket needs Node.js: a browser cannot open TCP or Unix sockets/);
    // The class name survives minification, so the page's console shows `TransportError: ...`.
    expect((direct as Error).name).toBe('TransportError');
    expect(String(direct)).toMatch(/^TransportError: RawSocket needs Node.js/);
    const viaConnect = await interchange
      .connect({ url: 'rss://router.example:8081', realm: 'r' })
      .catch((e: unknown) => e);
    expect(viaConnect).toBeInstanceOf(interchange.TransportError);
    expect((viaConnect as Error).message).toMatch(/RawSocket needs Node.js/);

    // In a transport list, the page skips RawSocket (as Autobahn|JS does) and uses the next entry.
    const connection = new interchange.Connection({
      realm: 'r',
      transports: [
        { type: 'rawsocket', url: 'rs://router.example:8081' },
        { type: 'websocket', url: 'ws://router.example/ws' },
      ],
    });
    connection.open();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(PageWebSocket.instances.map((socket) => socket.url)).toEqual(['ws://router.example/ws']);
    await connection.close();
  }, 60_000);
});
