/**
 * In-memory test harness for the router: a fake Peer that records what it is sent, a fake
 * clock driven by hand, and a scripted client that speaks typed WAMP messages.
 */
import {
  type Clock,
  createIdSequence,
  type Dict,
  type MessageOf,
  type TimerHandle,
  type WampMessage,
} from '@interchange/protocol';
import { expect } from 'vitest';
import type { Router } from '../src/router.js';
import type { Peer, PeerConnection, TransportInfo } from '../src/session/peer.js';
import type { ConnectOptions } from '../src/session/router-session.js';

/** Every message any FakePeer was sent, for the payload invariants checked after each test. */
const everySent: WampMessage[] = [];
const sendsAfterClose: WampMessage[] = [];

/** A Peer that records messages and whether it was closed. */
export class FakePeer implements Peer {
  readonly info: TransportInfo = { type: 'memory', serializer: 'json', peer: 'memory:test' };
  readonly sent: WampMessage[] = [];
  closeCount = 0;
  #read = 0;

  get closed(): boolean {
    return this.closeCount > 0;
  }

  send(message: WampMessage): void {
    if (this.closed) sendsAfterClose.push(message);
    this.sent.push(message);
    everySent.push(message);
  }

  close(): void {
    this.closeCount++;
  }

  /** Messages sent since the last call of `take`. */
  take(): WampMessage[] {
    const fresh = this.sent.slice(this.#read);
    this.#read = this.sent.length;
    return fresh;
  }
}

/**
 * Asserts the invariants every test must keep: no message carries `args` or `kwargs` (or
 * `payload`) as a key with a null or undefined value, and nothing is sent to a closed peer.
 * Call from `afterEach`.
 */
export function expectCleanTraffic(): void {
  const dirty = everySent.filter((message) =>
    (['args', 'kwargs', 'payload'] as const).some((key) => key in message && (message as unknown as Dict)[key] == null),
  );
  everySent.length = 0;
  const late = sendsAfterClose.splice(0);
  expect(dirty).toEqual([]);
  expect(late).toEqual([]);
}

/** A clock whose time moves only when the test says so. */
export class FakeClock implements Clock {
  #now = 0;
  #timers = new Map<number, { at: number; callback: () => void }>();
  #nextHandle = 1;

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { at: this.#now + ms, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Number of timers not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry;
      }
      if (next === undefined) break;
      this.#timers.delete(next[0]);
      this.#now = next[1].at;
      next[1].callback();
    }
    this.#now = target;
  }
}

/** Every client role, with no features (a Basic Profile client). */
export const ALL_ROLES: Dict = { caller: {}, callee: {}, publisher: {}, subscriber: {} };

/** A client driven by the test: sends typed messages and reads what the router sent back. */
export class TestClient {
  readonly peer = new FakePeer();
  readonly connection: PeerConnection;
  readonly nextId = createIdSequence();
  welcome: MessageOf<'WELCOME'> | undefined;

  constructor(router: Router, options: ConnectOptions = {}) {
    this.connection = router.connect(this.peer, options);
  }

  /** The session ID from WELCOME. */
  get sessionId(): number {
    if (this.welcome === undefined) throw new Error('not welcomed');
    return this.welcome.session;
  }

  receive(message: WampMessage): void {
    this.connection.receive(message);
  }

  /** Messages received since the last read. */
  take(): WampMessage[] {
    return this.peer.take();
  }

  /** The only message received since the last read, of the given type. */
  takeOne<T extends WampMessage['type']>(type: T): MessageOf<T> {
    const messages = this.take();
    expect(messages.map((m) => m.type)).toEqual([type]);
    return messages[0] as MessageOf<T>;
  }

  /** Sends HELLO and expects WELCOME. */
  hello(realm: string, roles: Dict = ALL_ROLES): MessageOf<'WELCOME'> {
    this.receive({ type: 'HELLO', realm, details: { roles } });
    this.welcome = this.takeOne('WELCOME');
    return this.welcome;
  }

  subscribe(topic: string, options: Dict = {}): number {
    const requestId = this.nextId();
    this.receive({ type: 'SUBSCRIBE', requestId, options, topic });
    const reply = this.takeOne('SUBSCRIBED');
    expect(reply.requestId).toBe(requestId);
    return reply.subscription;
  }

  register(procedure: string, options: Dict = {}): number {
    const requestId = this.nextId();
    this.receive({ type: 'REGISTER', requestId, options, procedure });
    const reply = this.takeOne('REGISTERED');
    expect(reply.requestId).toBe(requestId);
    return reply.registration;
  }

  /** Sends PUBLISH; returns its request ID. */
  publish(topic: string, init: { options?: Dict; args?: unknown[]; kwargs?: Dict } = {}): number {
    const requestId = this.nextId();
    const message: MessageOf<'PUBLISH'> = { type: 'PUBLISH', requestId, options: init.options ?? {}, topic };
    if (init.args !== undefined) message.args = init.args;
    if (init.kwargs !== undefined) message.kwargs = init.kwargs;
    this.receive(message);
    return requestId;
  }

  /** Sends CALL; returns its request ID. */
  call(procedure: string, init: { options?: Dict; args?: unknown[]; kwargs?: Dict } = {}): number {
    const requestId = this.nextId();
    const message: MessageOf<'CALL'> = { type: 'CALL', requestId, options: init.options ?? {}, procedure };
    if (init.args !== undefined) message.args = init.args;
    if (init.kwargs !== undefined) message.kwargs = init.kwargs;
    this.receive(message);
    return requestId;
  }
}

/** Joins a new client to `realm` and returns it, welcomed. */
export function join(router: Router, realm = 'realm1', options: ConnectOptions & { roles?: Dict } = {}): TestClient {
  const { roles, ...connect } = options;
  const client = new TestClient(router, connect);
  client.hello(realm, roles);
  return client;
}

/** Expects an ERROR answering a request. */
export function expectError(
  message: WampMessage | undefined,
  expected: { requestType: number; requestId: number; error: string },
): void {
  expect(message).toMatchObject({ type: 'ERROR', ...expected });
}

/** Expects an ABORT with the given reason and a human-readable message, and a closed peer. */
export function expectAbort(client: TestClient, reason: string): MessageOf<'ABORT'> {
  const abort = client.takeOne('ABORT');
  expect(abort.reason).toBe(reason);
  expect(typeof abort.details.message).toBe('string');
  expect(client.peer.closed).toBe(true);
  return abort;
}
