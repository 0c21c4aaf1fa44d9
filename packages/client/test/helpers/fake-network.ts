import { createSerializer, TransportError, type WampMessage } from '@interchange/protocol';
import {
  type ClientTransport,
  createMemoryTransportPair,
  type MemoryRouterEnd,
  type TransportFactory,
} from '../../src/index.js';

/** What the next connect attempt meets. */
export type Step =
  | 'welcome'
  | 'refuse'
  | { abort: string; message?: string }
  | { challenge: string; extra?: Record<string, unknown> };

/** One accepted connection, seen from the router side. */
export interface Accepted {
  end: MemoryRouterEnd;
  received: WampMessage[];
  sessionId: number;
}

/**
 * A scripted network for `Connection` tests: each attempt takes the next step of `plan`
 * (default `welcome`). Accepted connections answer HELLO (WELCOME, ABORT or CHALLENGE), SUBSCRIBE
 * and GOODBYE like a minimal router.
 */
export class FakeNetwork {
  readonly plan: Step[] = [];
  readonly accepted: Accepted[] = [];
  attempts = 0;

  readonly factory: TransportFactory = async (): Promise<ClientTransport> => {
    this.attempts += 1;
    const step = this.plan.shift() ?? 'welcome';
    if (step === 'refuse') throw new TransportError('connection refused');
    const { client, router } = createMemoryTransportPair({ serializer: createSerializer('json') });
    const accepted: Accepted = { end: router, received: [], sessionId: 1000 + this.attempts };
    this.accepted.push(accepted);
    let nextSubscription = 1;
    router.attach({
      onMessage: (message) => {
        accepted.received.push(message);
        switch (message.type) {
          case 'HELLO':
          case 'AUTHENTICATE':
            if (typeof step === 'object' && 'abort' in step) {
              router.send({
                type: 'ABORT',
                details: step.message === undefined ? {} : { message: step.message },
                reason: step.abort,
              });
              router.close();
            } else if (typeof step === 'object' && 'challenge' in step && message.type === 'HELLO') {
              router.send({ type: 'CHALLENGE', authMethod: step.challenge, extra: step.extra ?? {} });
            } else {
              router.send({
                type: 'WELCOME',
                session: accepted.sessionId,
                details: { roles: { broker: {}, dealer: {} } },
              });
            }
            break;
          case 'SUBSCRIBE':
            router.send({ type: 'SUBSCRIBED', requestId: message.requestId, subscription: nextSubscription++ });
            break;
          case 'GOODBYE':
            router.send({ type: 'GOODBYE', details: {}, reason: 'wamp.close.goodbye_and_out' });
            router.close();
            break;
          default:
            break;
        }
      },
      onClose: () => {},
    });
    return client;
  };

  /** The latest accepted connection. */
  get last(): Accepted {
    const last = this.accepted[this.accepted.length - 1];
    if (last === undefined) throw new Error('no connection accepted yet');
    return last;
  }
}
