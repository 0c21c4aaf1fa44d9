import type { Dict, ErrorMessage, Id, MessageCodeValue, Payload } from '@interchange/protocol';
import type { RealmMember } from './realm/realm-member.js';
import { TRUSTED_ROLE } from './realm/static-authorizer.js';

/**
 * Copies the application payload of one message onto another (the router never looks inside
 * it), leaving out what says nothing: absent, empty `kwargs` and, when no kwargs go, empty `args`
 * (spec: "Empty Arguments and Keyword Arguments": implementations SHOULD avoid sending them;
 * Crossbar strips them too). The router never sends `null` or `undefined` for `args` or `kwargs`
 * (docs/architecture.md, "Wire and compatibility contracts"). Each kept value is the sender's own object.
 */
export function copyPayload<T extends Payload>(target: T, source: Payload): T {
  const { args, kwargs } = source;
  const withKwargs = kwargs != null && !isEmptyDict(kwargs);
  // args before kwargs, the order every other message object gets them in (one hidden class).
  if (args != null && (args.length > 0 || withKwargs)) target.args = args;
  if (withKwargs) target.kwargs = kwargs;
  if (source.payload != null) target.payload = source.payload;
  return target;
}

/** Whether a dict has no own enumerable key; stops at the first one. */
function isEmptyDict(dict: Dict): boolean {
  for (const _ in dict) return false;
  return true;
}

/**
 * An ERROR the router itself raises in answer to a request (spec: basic profile, "Subscribe
 * ERROR", "Register ERROR", ...). `requestType` is the code of the request it answers. The
 * human-readable `message`, when given, travels as the first positional argument, where
 * Autobahn clients show it.
 */
export function routerError(
  requestType: MessageCodeValue,
  requestId: Id,
  error: string,
  message?: string,
): ErrorMessage {
  const reply: ErrorMessage = { type: 'ERROR', requestType, requestId, details: {}, error };
  if (message !== undefined) reply.args = [message];
  return reply;
}

/**
 * Sends `session` the {@link routerError} refusing its request, and returns `undefined` (no
 * protocol violation), so a handler can `return refuse(...)`: the broker's and dealer's error
 * replies, without a closure per request.
 */
export function refuse(
  session: RealmMember,
  requestType: MessageCodeValue,
  requestId: Id,
  error: string,
  message: string,
): undefined {
  session.send(routerError(requestType, requestId, error, message));
  return undefined;
}

/** The spec reserves URIs whose first component is `wamp` (basic profile "Reserved URIs"). */
export function isReservedUri(uri: string): boolean {
  return uri === 'wamp' || uri.startsWith('wamp.');
}

/**
 * Whether a session may not register or publish `uri`: reserved URIs belong to the router, and
 * (as in Crossbar) to sessions of the built-in `trusted` role, such as hosted components.
 */
export function isReservedFor(uri: string, authrole: string): boolean {
  return isReservedUri(uri) && authrole !== TRUSTED_ROLE;
}

/**
 * Identity details of a session, for caller and publisher disclosure (advanced profile "Caller
 * Identification", "Publisher Identification"). Literal keys, not computed ones, so each kind
 * of details object gets one fixed shape.
 */
export function identityDetails(
  prefix: 'caller' | 'publisher',
  session: { readonly id: Id; readonly authid: string; readonly authrole: string },
): Dict {
  return prefix === 'caller'
    ? { caller: session.id, caller_authid: session.authid, caller_authrole: session.authrole }
    : { publisher: session.id, publisher_authid: session.authid, publisher_authrole: session.authrole };
}
