/**
 * What a broker or dealer handler returns: `undefined` when the message was handled (answered,
 * refused with ERROR, or ignored as the spec allows), or a human-readable reason why the
 * message is a protocol violation, for which the session sends ABORT
 * `wamp.error.protocol_violation` and closes (spec: basic profile "Protocol Errors").
 */
export type ProtocolViolation = string | undefined;
