import { type Dict, isPassthru, PubSubFeature, RpcFeature } from '@interchange/protocol';
import type { RealmMember } from './realm/realm-member.js';

/**
 * The attributes that describe an opaque payload (spec: advanced profile "Payload Passthru
 * Mode", "Message Attributes"), plus their earlier "Payload Transparency" form that
 * Autobahn|Python sends (`enc_algo`, `enc_key`, `enc_serializer`). The router forwards them
 * from `Options` to the receiver's `Details` so the receiver can decode the payload.
 */
const PASSTHRU_KEYS: ReadonlySet<string> = new Set([
  'ppt_scheme',
  'ppt_serializer',
  'ppt_cipher',
  'ppt_keyid',
  'enc_algo',
  'enc_key',
  'enc_serializer',
]);

/**
 * Copies the passthru attributes present in `source` onto `target`; returns `target`. It runs
 * for every PUBLISH, CALL and YIELD, so it walks the few keys `source` has (none, mostly)
 * rather than probing it for seven keys it almost never has.
 */
export function copyPassthruAttributes(target: Dict, source: Dict): Dict {
  for (const key in source) {
    if (!PASSTHRU_KEYS.has(key)) continue;
    const value = source[key];
    if (value !== undefined) target[key] = value;
  }
  return target;
}

/** The client roles that take part in payload passthru. */
export type PassthruRole = 'caller' | 'callee' | 'publisher' | 'subscriber';

/**
 * Whether a session announced payload passthru for a role, under its current name or the
 * earlier `payload_transparency` that Autobahn|Python announces.
 */
export function announcesPassthru(session: RealmMember, role: PassthruRole): boolean {
  return (
    session.announces(role, RpcFeature.PAYLOAD_PASSTHRU_MODE) ||
    session.announces(role, PubSubFeature.PAYLOAD_TRANSPARENCY)
  );
}

/**
 * The protocol violation of a peer that sends a passthru message without having announced
 * the feature for the role it acts in (spec: "Payload Passthru Mode": "MUST be treated as
 * PROTOCOL ERRORS"), or `undefined` when all is well.
 */
export function passthruViolation(
  session: RealmMember,
  role: PassthruRole,
  messageType: string,
  dict: Dict,
): string | undefined {
  if (!isPassthru(dict) || announcesPassthru(session, role)) return undefined;
  return `${messageType} uses payload passthru mode, which the ${role} did not announce in HELLO.`;
}
