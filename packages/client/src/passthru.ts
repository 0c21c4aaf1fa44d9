import { ApplicationError, type Dict, ErrorUri, InvalidArgumentError } from '@interchange/protocol';

/**
 * The attributes of payload passthru mode (spec: advanced "Payload Passthru Mode", "Message
 * Attributes"): they say how an opaque payload is encoded, so the receiver can decode it. The
 * router reads none of it and forwards the payload untouched.
 *
 * @example
 * const options: PassthruOptions = { ppt_scheme: 'x_acme', ppt_serializer: 'cbor' };
 */
export interface PassthruOptions {
  /** The key management scheme (`mqtt`, `wamp.eth`, or a custom `x_...`). Required; switches the mode on. */
  ppt_scheme: string;
  /** The serializer the payload was encoded with (`cbor`, `json`, `mqtt`, ...). */
  ppt_serializer?: string;
  /** The cipher of an encrypted payload (`xsalsa20poly1305`, `aes256gcm`, ...). */
  ppt_cipher?: string;
  /** Which key encrypted the payload. */
  ppt_keyid?: string;
}

/** The passthru attribute names, in the order the spec lists them. */
export const PASSTHRU_KEYS = ['ppt_scheme', 'ppt_serializer', 'ppt_cipher', 'ppt_keyid'] as const;

/**
 * Reads the passthru attributes a message carries (EVENT/INVOCATION/RESULT details), or
 * `undefined` when it is not in passthru mode.
 */
export function passthruOf(details: Dict): PassthruOptions | undefined {
  const scheme = details['ppt_scheme'];
  if (typeof scheme !== 'string' || scheme === '') return undefined;
  const out: PassthruOptions = { ppt_scheme: scheme };
  for (const key of ['ppt_serializer', 'ppt_cipher', 'ppt_keyid'] as const) {
    const value = details[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/**
 * Checks the passthru attributes of an outgoing CALL, PUBLISH or YIELD and copies them into the
 * wire options; returns whether the message is in passthru mode.
 *
 * Spec: "the message payload MUST be sent as one binary item within Arguments|list, while
 * ArgumentsKw|dict MUST be absent or empty": anything else is refused here, before it reaches
 * a router that would have to call it a protocol violation.
 *
 * @throws InvalidArgumentError for a malformed attribute, or a payload that is not one `Uint8Array`.
 */
export function applyPassthru(
  what: string,
  source: Partial<PassthruOptions>,
  args: readonly unknown[] | undefined,
  kwargs: Record<string, unknown> | undefined,
  wireOptions: Dict,
): boolean {
  for (const key of PASSTHRU_KEYS) {
    const value = source[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || (key === 'ppt_scheme' && value === '')) {
      throw new InvalidArgumentError(`${what}: ${key} must be a${key === 'ppt_scheme' ? ' non-empty' : ''} string`);
    }
  }
  if (source.ppt_scheme === undefined) {
    const stray = PASSTHRU_KEYS.find((key) => source[key] !== undefined);
    if (stray !== undefined) throw new InvalidArgumentError(`${what}: ${stray} needs ppt_scheme`);
    return false;
  }
  if (args === undefined || args.length !== 1 || !(args[0] instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      `${what}: in payload passthru mode, args must be exactly one Uint8Array (the payload)`,
    );
  }
  if (kwargs !== undefined && Object.keys(kwargs).length > 0) {
    throw new InvalidArgumentError(`${what}: in payload passthru mode, kwargs must be absent`);
  }
  for (const key of PASSTHRU_KEYS) {
    const value = source[key];
    if (value !== undefined) wireOptions[key] = value;
  }
  return true;
}

/**
 * The error a request in passthru mode fails with when the router did not announce the
 * feature: sending it anyway would be a protocol violation (spec: "MUST be treated as PROTOCOL
 * ERRORS"), so nothing is sent and the request fails as a callee without the feature would
 * make it fail.
 */
export function passthruNotSupported(what: string, role: 'dealer' | 'broker'): ApplicationError {
  return new ApplicationError(ErrorUri.FEATURE_NOT_SUPPORTED, {
    args: [`${what}: the ${role} did not announce payload_passthru_mode`],
  });
}
