import { Packr } from 'msgpackr';

/**
 * What nodes send each other over NATS is MessagePack: WAMP payloads may hold binary values
 * (`Uint8Array`) that JSON cannot carry, and a node must not care which serializer the sessions
 * at either end use. Plain maps (no msgpackr records), so every message decodes on its own.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, useBigIntExtension: true });

/** Encodes one envelope of this node's own making (nothing a peer chose). */
export function packEnvelope(envelope: object): Uint8Array {
  return packr.pack(envelope);
}

/**
 * Encodes an envelope that carries a peer's payload; `undefined` when it holds something
 * MessagePack cannot carry, so the peer gets an error instead of the router an exception.
 */
export function tryPackEnvelope(envelope: object): Uint8Array | undefined {
  try {
    return packr.pack(envelope);
  } catch {
    return undefined;
  }
}

/** Decodes one envelope; `undefined` for bytes that are not a MessagePack map. */
export function unpackEnvelope(data: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = packr.unpack(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
