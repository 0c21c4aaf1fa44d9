/**
 * WAMP message type codes (spec: "Message Codes and Direction").
 * The only place in the project where these numbers are written.
 */
export const MessageCode = {
  HELLO: 1,
  WELCOME: 2,
  ABORT: 3,
  CHALLENGE: 4,
  AUTHENTICATE: 5,
  GOODBYE: 6,
  ERROR: 8,
  PUBLISH: 16,
  PUBLISHED: 17,
  SUBSCRIBE: 32,
  SUBSCRIBED: 33,
  UNSUBSCRIBE: 34,
  UNSUBSCRIBED: 35,
  EVENT: 36,
  CALL: 48,
  CANCEL: 49,
  RESULT: 50,
  REGISTER: 64,
  REGISTERED: 65,
  UNREGISTER: 66,
  UNREGISTERED: 67,
  INVOCATION: 68,
  INTERRUPT: 69,
  YIELD: 70,
} as const;

/** The name of a WAMP message type, e.g. `'CALL'`. */
export type MessageName = keyof typeof MessageCode;
/** The numeric code of a WAMP message type, e.g. `48`. */
export type MessageCodeValue = (typeof MessageCode)[MessageName];

/** Reverse lookup from a code to its name; `undefined` for codes WAMP does not define. */
export function messageNameOf(code: number): MessageName | undefined {
  codeToName ??= new Map((Object.entries(MessageCode) as [MessageName, number][]).map(([name, code]) => [code, name]));
  return codeToName.get(code);
}

// Built on first use: a bundle that never looks a name up (the client's core) drops it whole,
// which the map built at load time, an expression with calls, did not allow.
let codeToName: ReadonlyMap<number, MessageName> | undefined;
