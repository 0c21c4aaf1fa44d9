/**
 * The four requests authorization applies to (spec: advanced "Authorization": register, call,
 * subscribe, publish), read from a message, and the ERROR that refuses one.
 */
import { type Dict, type ErrorMessage, ErrorUri, MessageCode, type WampMessage } from '@interchange/protocol';
import type { ActionName } from '../realm/realm-config.js';

/** What is authorized: an action on a URI, with the request's options. */
export interface AuthorizationRequest {
  uri: string;
  action: ActionName;
  options: Dict;
}

/** The request a message makes, or `undefined` for messages that are not authorized. */
export function authorizationRequest(message: WampMessage): AuthorizationRequest | undefined {
  switch (message.type) {
    case 'CALL':
      return { uri: message.procedure, action: 'call', options: message.options };
    case 'REGISTER':
      return { uri: message.procedure, action: 'register', options: message.options };
    case 'SUBSCRIBE':
      return { uri: message.topic, action: 'subscribe', options: message.options };
    case 'PUBLISH':
      return { uri: message.topic, action: 'publish', options: message.options };
    default:
      return undefined;
  }
}

/**
 * The ERROR `wamp.error.not_authorized` refusing `message`; `undefined` for a PUBLISH without
 * `acknowledge`, which gets no answer either way (spec: basic "PUBLISH").
 */
export function notAuthorized(message: WampMessage, request: AuthorizationRequest): ErrorMessage | undefined {
  const codes = {
    call: MessageCode.CALL,
    register: MessageCode.REGISTER,
    subscribe: MessageCode.SUBSCRIBE,
    publish: MessageCode.PUBLISH,
  };
  if (!('requestId' in message)) return undefined;
  if (message.type === 'PUBLISH' && message.options['acknowledge'] !== true) return undefined;
  return {
    type: 'ERROR',
    requestType: codes[request.action],
    requestId: message.requestId,
    details: {},
    error: ErrorUri.NOT_AUTHORIZED,
    args: [`session is not authorized to ${request.action} '${request.uri}'`],
  };
}
