/**
 * Helpers for the authentication and authorization tests: a router on a fake clock with a
 * capturing logger, clients that HELLO with auth details, and in-process callees that serve
 * dynamic authenticators and authorizers.
 */
import { createIdSequence, type Dict, ErrorUri, type MessageOf, type WampMessage } from '@interchange/protocol';
import { expect } from 'vitest';
import type { TransportAuthConfig, TransportCredentials } from '../../src/auth/transport-auth.js';
import type { Logger } from '../../src/logger.js';
import type { RealmConfig } from '../../src/realm/realm-config.js';
import { Router, type RouterOptions } from '../../src/router.js';
import type { Peer, PeerConnection, TransportInfo } from '../../src/session/peer.js';
import type { ConnectOptions } from '../../src/session/router-session.js';
import { ALL_ROLES, FakeClock, TestClient } from '../harness.js';

/** One captured log call. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps every call, to check what the router logs (and what it must not). */
export class CapturingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug = (obj: Record<string, unknown>, msg?: string): void => void this.entries.push({ level: 'debug', obj, msg });
  info = (obj: Record<string, unknown>, msg?: string): void => void this.entries.push({ level: 'info', obj, msg });
  warn = (obj: Record<string, unknown>, msg?: string): void => void this.entries.push({ level: 'warn', obj, msg });
  error = (obj: Record<string, unknown>, msg?: string): void => void this.entries.push({ level: 'error', obj, msg });

  /** Everything logged, as one text. */
  get text(): string {
    return JSON.stringify(this.entries, (_key, value: unknown) =>
      value instanceof Error ? { message: value.message } : value,
    );
  }
}

/** A router, its fake clock and its captured log. */
export interface AuthFixture {
  router: Router;
  clock: FakeClock;
  logger: CapturingLogger;
}

/** A router with `realm1` (and more realms) on a fake clock. */
export function authRouter(
  options: Omit<RouterOptions, 'clock' | 'logger'> & { realms?: RealmConfig[] } = {},
): AuthFixture {
  const clock = new FakeClock();
  const logger = new CapturingLogger();
  const router = new Router({ realms: [{ name: 'realm1' }], ...options, clock, logger });
  return { router, clock, logger };
}

/** Lets pending promises (dynamic authenticators, authorizers) settle. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A client of a transport with `transportAuth`. */
export function authClient(
  router: Router,
  transportAuth: TransportAuthConfig,
  options: Omit<ConnectOptions, 'transportAuth'> = {},
): TestClient {
  return new TestClient(router, { ...options, transportAuth });
}

/** A client whose transport reports `peer` as its remote address. */
export function clientAt(
  router: Router,
  transportAuth: TransportAuthConfig,
  peer: string,
  credentials?: TransportCredentials,
): TestClient {
  const client = new TestClient(router, {
    transportAuth,
    ...(credentials === undefined ? {} : { transportCredentials: credentials }),
  });
  (client.peer as { info: TransportInfo }).info = { type: 'websocket', serializer: 'json', peer };
  return client;
}

/** Sends HELLO with auth details. */
export function hello(client: TestClient, details: Dict, realm = 'realm1'): void {
  client.receive({ type: 'HELLO', realm, details: { roles: ALL_ROLES, ...details } });
}

/** Sends AUTHENTICATE. */
export function authenticate(client: TestClient, signature: string, extra: Dict = {}): void {
  client.receive({ type: 'AUTHENTICATE', signature, extra });
}

/** Expects ABORT `wamp.error.authentication_failed` with the one message every failure has. */
export function expectAuthFailed(client: TestClient): MessageOf<'ABORT'> {
  const abort = client.takeOne('ABORT');
  expect(abort).toEqual({
    type: 'ABORT',
    reason: ErrorUri.AUTHENTICATION_FAILED,
    details: { message: 'Authentication failed.' },
  });
  expect(client.peer.closed).toBe(true);
  return abort;
}

/** A procedure's answer: a value, or `{ error }` to answer ERROR, or `'hang'` never to answer. */
export type ServedAnswer = unknown;

/** What a served procedure was called with. */
export interface ServedCall {
  args: unknown[];
  kwargs: Dict;
}

/**
 * A callee in the router's process that registers procedures and answers their invocations
 * with a handler's result (YIELD), a thrown error (ERROR `wamp.error.runtime_error`, or the URI
 * of a thrown {@link RefusedWith}), or nothing.
 */
export class ProcedureServer implements Peer {
  readonly info: TransportInfo = { type: 'memory', serializer: 'json', peer: 'memory:authenticator' };
  readonly calls: ServedCall[] = [];
  readonly #connection: PeerConnection;
  readonly #nextId = createIdSequence();
  readonly #handlers = new Map<number, (call: ServedCall) => unknown>();
  readonly #pending = new Map<number, (call: ServedCall) => unknown>();
  welcomed = false;

  constructor(
    router: Router,
    realm = 'realm1',
    options: ConnectOptions = { authrole: 'trusted', authid: 'authenticator' },
  ) {
    this.#connection = router.connect(this, options);
    this.#connection.receive({ type: 'HELLO', realm, details: { roles: ALL_ROLES } });
    expect(this.welcomed).toBe(true);
  }

  /** Registers `procedure`; `handler` answers each call (throw to answer ERROR; return `HANG` not to answer). */
  serve(procedure: string, handler: (call: ServedCall) => unknown): void {
    const requestId = this.#nextId();
    this.#pending.set(requestId, handler);
    this.#connection.receive({ type: 'REGISTER', requestId, options: {}, procedure });
    expect(this.#pending.has(requestId)).toBe(false);
  }

  send(message: WampMessage): void {
    switch (message.type) {
      case 'WELCOME':
        this.welcomed = true;
        return;
      case 'REGISTERED': {
        const handler = this.#pending.get(message.requestId);
        this.#pending.delete(message.requestId);
        if (handler !== undefined) this.#handlers.set(message.registration, handler);
        return;
      }
      case 'INVOCATION': {
        const handler = this.#handlers.get(message.registration);
        const call = { args: message.args ?? [], kwargs: message.kwargs ?? {} };
        this.calls.push(call);
        if (handler === undefined) return;
        void Promise.resolve()
          .then(() => handler(call))
          .then(
            (result) => {
              if (result === HANG) return;
              this.#connection.receive({ type: 'YIELD', requestId: message.requestId, options: {}, args: [result] });
            },
            (error: unknown) =>
              this.#connection.receive({
                type: 'ERROR',
                requestType: 68,
                requestId: message.requestId,
                details: {},
                // As Autobahn and our client answer: an exception without a URI is a runtime error.
                error: error instanceof RefusedWith ? error.uri : ErrorUri.RUNTIME_ERROR,
                args: [error instanceof Error ? error.message : String(error)],
              }),
          );
        return;
      }
      case 'GOODBYE':
        // The router's GOODBYE (e.g. at shutdown) is answered, as a client would.
        if (message.reason !== ErrorUri.GOODBYE_AND_OUT)
          this.#connection.receive({ type: 'GOODBYE', details: {}, reason: ErrorUri.GOODBYE_AND_OUT });
        return;
      default:
        return;
    }
  }

  close(): void {}
}

/** Thrown by a served handler to answer ERROR with an application error URI of its own. */
export class RefusedWith extends Error {
  constructor(
    readonly uri: string,
    message: string,
  ) {
    super(message);
  }
}

/** Returned by a served handler that never answers. */
export const HANG = Symbol('hang');
