import { type ErrorMessage, MessageCode, type WampMessage } from '@interchange/protocol';
import { Callee } from './callee.js';
import { Caller } from './caller.js';
import { Publisher } from './publisher.js';
import type { Handled, SessionContext } from './session-context.js';
import { Subscriber } from './subscriber.js';

/**
 * The four client roles of a session (spec: basic "Peers and Roles") and which of them a
 * router message is for. `Session` keeps the lifecycle; this keeps the routing by message type.
 */
export class SessionRoles {
  readonly caller: Caller;
  readonly callee: Callee;
  readonly publisher: Publisher;
  readonly subscriber: Subscriber;

  constructor(ctx: SessionContext) {
    this.caller = new Caller(ctx);
    this.callee = new Callee(ctx);
    this.publisher = new Publisher(ctx);
    this.subscriber = new Subscriber(ctx);
  }

  /**
   * Hands a message of an established session to the role it answers or addresses.
   * `unexpected` for the messages no role takes (WELCOME, CHALLENGE, and whatever a router never
   * sends a client); `bad-request-type` for an ERROR answering a request no client makes.
   */
  dispatch(message: WampMessage): Handled | 'unexpected' | 'bad-request-type' {
    switch (message.type) {
      case 'ERROR':
        return this.routeError(message);
      case 'RESULT':
        return this.caller.handleResult(message);
      case 'REGISTERED':
        return this.callee.handleRegistered(message);
      case 'UNREGISTERED':
        return this.callee.handleUnregistered(message);
      case 'INVOCATION':
        return this.callee.handleInvocation(message);
      case 'INTERRUPT':
        return this.callee.handleInterrupt(message);
      case 'SUBSCRIBED':
        return this.subscriber.handleSubscribed(message);
      case 'UNSUBSCRIBED':
        return this.subscriber.handleUnsubscribed(message);
      case 'EVENT':
        return this.subscriber.handleEvent(message);
      case 'PUBLISHED':
        return this.publisher.handlePublished(message);
      default:
        return 'unexpected';
    }
  }

  /**
   * After our GOODBYE: answers to requests still in flight are taken; new work (INVOCATION,
   * INTERRUPT, EVENT) is dropped, since we can no longer reply.
   */
  dispatchWhileClosing(message: WampMessage): void {
    switch (message.type) {
      case 'RESULT':
      case 'ERROR':
      case 'PUBLISHED':
      case 'SUBSCRIBED':
      case 'UNSUBSCRIBED':
      case 'REGISTERED':
      case 'UNREGISTERED':
        this.dispatch(message);
        return;
      default:
        return;
    }
  }

  /** ERROR goes to the role that made the request (spec: basic "ERROR"; REQUEST.Type). */
  routeError(message: ErrorMessage): Handled | 'bad-request-type' {
    switch (message.requestType) {
      case MessageCode.CALL:
        return this.caller.handleError(message);
      case MessageCode.REGISTER:
      case MessageCode.UNREGISTER:
        return this.callee.handleError(message);
      case MessageCode.SUBSCRIBE:
      case MessageCode.UNSUBSCRIBE:
        return this.subscriber.handleError(message);
      case MessageCode.PUBLISH:
        return this.publisher.handleError(message);
      default:
        return 'bad-request-type';
    }
  }

  /** Fails everything pending: the session is over. */
  close(error: Error, leftCleanly: boolean): void {
    this.caller.close(error);
    this.callee.close(error);
    this.publisher.close(error);
    this.subscriber.close(error, leftCleanly);
  }
}
