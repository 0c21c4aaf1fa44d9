import type { AddressInfo } from 'node:net';
import { createSerializer, type Dict, type WampMessage } from '@interchange/protocol';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A minimal WAMP router over `ws` on 127.0.0.1 port 0, JSON only, for exercising the client
 * end to end in this package's tests (the real router lives in packages/router). Exact-match
 * routing, one callee per procedure, publisher excluded from its own events.
 */
export class MiniRouter {
  readonly url: string;
  readonly #wss: WebSocketServer;

  static async start(): Promise<MiniRouter> {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has('wamp.2.json') ? 'wamp.2.json' : false),
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new MiniRouter(wss);
  }

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    this.url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`;
    const json = createSerializer('json');
    let nextId = 1;
    const procedures = new Map<string, { socket: WebSocket; registration: number }>();
    const registrations = new Map<number, string>();
    const subscriptions = new Map<string, Map<WebSocket, number>>();
    const topicsById = new Map<number, string>();
    const invocations = new Map<number, { caller: WebSocket; requestId: number }>();
    const send = (socket: WebSocket, message: WampMessage): void => socket.send(json.encode(message));

    wss.on('connection', (socket) => {
      const sessionId = nextId++;
      socket.on('close', () => {
        for (const [procedure, entry] of procedures) if (entry.socket === socket) procedures.delete(procedure);
        for (const subscribers of subscriptions.values()) subscribers.delete(socket);
      });
      socket.on('message', (data) => {
        const [message] = json.decode(data.toString('utf8'));
        if (message === undefined) return;
        switch (message.type) {
          case 'HELLO':
            send(socket, { type: 'WELCOME', session: sessionId, details: { roles: { broker: {}, dealer: {} } } });
            break;
          case 'GOODBYE':
            send(socket, { type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
            socket.close(1000);
            break;
          case 'REGISTER': {
            const registration = nextId++;
            procedures.set(message.procedure, { socket, registration });
            registrations.set(registration, message.procedure);
            send(socket, { type: 'REGISTERED', requestId: message.requestId, registration });
            break;
          }
          case 'CALL': {
            const callee = procedures.get(message.procedure);
            if (callee === undefined) {
              send(socket, {
                type: 'ERROR',
                requestType: 48,
                requestId: message.requestId,
                details: {},
                error: 'wamp.error.no_such_procedure',
              });
              break;
            }
            const invocation = nextId++;
            invocations.set(invocation, { caller: socket, requestId: message.requestId });
            const payload = payloadOf(message);
            send(callee.socket, {
              type: 'INVOCATION',
              requestId: invocation,
              registration: callee.registration,
              details: {},
              ...payload,
            });
            break;
          }
          case 'YIELD': {
            const call = invocations.get(message.requestId);
            invocations.delete(message.requestId);
            if (call === undefined) break;
            const payload = payloadOf(message);
            send(call.caller, { type: 'RESULT', requestId: call.requestId, details: {}, ...payload });
            break;
          }
          case 'ERROR': {
            const call = invocations.get(message.requestId);
            invocations.delete(message.requestId);
            if (call === undefined) break;
            const payload = payloadOf(message);
            send(call.caller, {
              type: 'ERROR',
              requestType: 48,
              requestId: call.requestId,
              details: {},
              error: message.error,
              ...payload,
            });
            break;
          }
          case 'SUBSCRIBE': {
            let subscribers = subscriptions.get(message.topic);
            // biome-ignore lint/suspicious/noAssignInExpressions: create-on-first-use of the topic's subscriber map
            if (subscribers === undefined) subscriptions.set(message.topic, (subscribers = new Map()));
            const id = nextId++;
            subscribers.set(socket, id);
            topicsById.set(id, message.topic);
            send(socket, { type: 'SUBSCRIBED', requestId: message.requestId, subscription: id });
            break;
          }
          case 'PUBLISH': {
            const publication = nextId++;
            const excludeMe = message.options['exclude_me'] !== false;
            const payload = payloadOf(message);
            for (const [subscriber, subscription] of subscriptions.get(message.topic) ?? []) {
              if (excludeMe && subscriber === socket) continue;
              send(subscriber, { type: 'EVENT', subscription, publication, details: {}, ...payload });
            }
            if (message.options['acknowledge'] === true)
              send(socket, { type: 'PUBLISHED', requestId: message.requestId, publication });
            break;
          }
          default:
            break;
        }
      });
    });
  }

  /** Drops every client connection abruptly (as a crashed router would). */
  dropAll(): void {
    for (const socket of this.#wss.clients) socket.terminate();
  }

  close(): Promise<void> {
    this.dropAll();
    return new Promise((resolve) => this.#wss.close(() => resolve()));
  }
}

/**
 * The payload of a routed message, to copy into the message it becomes (INVOCATION, RESULT,
 * ERROR, EVENT): args when it has them, and kwargs only beside args, as the wire carries them.
 */
function payloadOf(message: { args?: unknown[]; kwargs?: Dict }): { args?: unknown[]; kwargs?: Dict } {
  if (message.args === undefined) return {};
  return message.kwargs === undefined ? { args: message.args } : { args: message.args, kwargs: message.kwargs };
}
