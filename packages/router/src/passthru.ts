import { type Dict, isPassthru, type Payload, PubSubFeature, RpcFeature } from '@interchange/protocol';
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

/**
 * The payload to put bare in an EVENT's arguments slot for a subscriber that announced only the
 * earlier "payload transparency" (Autobahn|Python up to 22, the clients of Crossbar's examples):
 * they read a passthru payload only there, as Autobahn|Python and Crossbar send it, and hand a
 * one-item argument list to the handler as it is. `undefined` unless the publication is in
 * passthru mode with its payload as the spec writes it: one binary item in `Arguments|list`.
 * Once per publication, so the delivery loop pays nothing for publications without passthru.
 */
export function barePassthruPayload(options: Dict, payload: Payload): Uint8Array | undefined {
  if (!isPassthru(options) || payload.payload !== undefined) return undefined;
  const args = payload.args;
  if (
    args === undefined ||
    args.length !== 1 ||
    (payload.kwargs !== undefined && Object.keys(payload.kwargs).length > 0)
  )
    return undefined;
  const only = args[0];
  return only instanceof Uint8Array ? only : undefined;
}

/** Whether a subscriber reads passthru payloads only bare in the arguments slot (see {@link barePassthruPayload}). */
export function readsBarePassthru(subscriber: RealmMember): boolean {
  return (
    subscriber.announces('subscriber', PubSubFeature.PAYLOAD_TRANSPARENCY) &&
    !subscriber.announces('subscriber', PubSubFeature.PAYLOAD_PASSTHRU_MODE)
  );
}

/**
 * EVENT details for a subscriber of the earlier "payload transparency": it decodes a bare
 * payload only when `enc_algo` names its scheme, the older name of `ppt_scheme`.
 */
export function bareDetails(details: Dict): Dict {
  const scheme = details['ppt_scheme'];
  if (details['enc_algo'] !== undefined || typeof scheme !== 'string') return details;
  return { ...details, enc_algo: scheme };
}
