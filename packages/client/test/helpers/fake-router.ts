import { createSerializer, type Dict, messageToArray, type WampMessage } from '@interchange/protocol';
import {
  createMemoryTransportPair,
  type MemoryRouterEnd,
  Session,
  type SessionOptions,
  type TransportCloseInfo,
} from '../../src/index.js';
import { flush } from './fake-clock.js';

/** WELCOME.Details.roles of a router with every feature the client knows. */
export const FULL_ROUTER_ROLES = {
  dealer: {
    features: {
      call_canceling: true,
      call_timeout: true,
      progressive_call_results: true,
      progressive_call_invocations: true,
      caller_identification: true,
      pattern_based_registration: true,
      shared_registration: true,
      registration_revocation: true,
      payload_passthru_mode: true,
      call_reroute: true,
    },
  },
  broker: {
    features: {
      publisher_exclusion: true,
      publisher_identification: true,
      subscriber_blackwhite_listing: true,
      pattern_based_subscription: true,
      subscription_revocation: true,
      event_retention: true,
      payload_passthru_mode: true,
    },
  },
};

/** Every feature but `call_timeout`: the session keeps call timeouts itself. */
export const ROUTER_ROLES_WITHOUT_CALL_TIMEOUT = {
  dealer: { features: { ...FULL_ROUTER_ROLES.dealer.features, call_timeout: false } },
  broker: FULL_ROUTER_ROLES.broker,
};

/** Basic-profile roles only: no advanced features. */
export const BASIC_ROUTER_ROLES = { dealer: {}, broker: {} };

/**
 * A scripted router for one client session: the test reads what the client sent and decides
 * what to answer. Messages go through the JSON serializer, as on a real socket.
 */
export class FakeRouter {
  readonly end: MemoryRouterEnd;
  readonly received: WampMessage[] = [];
  closeInfo: TransportCloseInfo | undefined;
  readonly protocolErrors: Error[] = [];
  readonly #waiters: Array<(message: WampMessage) => void> = [];
  #read = 0;

  constructor(end: MemoryRouterEnd) {
    this.end = end;
    end.attach({
      onMessage: (message) => {
        this.received.push(message);
        const waiter = this.#waiters.shift();
        if (waiter !== undefined) {
          this.#read += 1;
          waiter(message);
        }
      },
      onProtocolError: (error) => {
        // A frame from the client that does not decode: make the test fail loudly.
        this.protocolErrors.push(error);
      },
      onClose: (info) => {
        this.closeInfo = info;
      },
    });
  }

  /** The next message the client sent that the test has not read yet. */
  async next<T extends WampMessage['type']>(type?: T): Promise<Extract<WampMessage, { type: T }>> {
    let message: WampMessage;
    if (this.#read < this.received.length) {
      message = this.received[this.#read++] as WampMessage;
    } else {
      message = await new Promise<WampMessage>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(this.protocolErrors[0] ?? new Error(`no ${type ?? 'message'} from the client`)),
          2000,
        );
        this.#waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    }
    if (this.protocolErrors.length > 0) throw this.protocolErrors[0];
    if (type !== undefined && message.type !== type) {
      throw new Error(`expected ${type}, got ${JSON.stringify(messageToArray(message))}`);
    }
    return message as Extract<WampMessage, { type: T }>;
  }

  /** Messages received that the test has not read. */
  unread(): WampMessage[] {
    return this.received.slice(this.#read);
  }

  send(message: WampMessage): void {
    this.end.send(message);
  }

  welcome(session = 4242, details: Dict = { roles: FULL_ROUTER_ROLES, authid: 'anon', authrole: 'anonymous' }): void {
    this.send({ type: 'WELCOME', session, details });
  }
}

/** A session on a memory pair with a fake router, not joined yet. */
export function sessionWithRouter(options: Partial<SessionOptions> = {}): { session: Session; router: FakeRouter } {
  const pair = createMemoryTransportPair({ serializer: createSerializer('json') });
  const router = new FakeRouter(pair.router);
  const session = new Session(pair.client, { realm: 'realm1', ...options });
  return { session, router };
}

/** A joined session (HELLO answered with WELCOME) on a memory pair with a fake router. */
export async function joinedSession(
  options: Partial<SessionOptions> = {},
  welcomeDetails?: Dict,
): Promise<{ session: Session; router: FakeRouter }> {
  const { session, router } = sessionWithRouter(options);
  const joined = session.join();
  await router.next('HELLO');
  router.welcome(4242, welcomeDetails);
  await joined;
  await flush();
  return { session, router };
}
