/**
 * Why a transport could not encode a message for its peer, as `Peer.send` reports it to the
 * router (packages/router/src/session/peer.ts): the serializer and the encoder's own words.
 */
export function encodeFailure(serializer: string, error: unknown): string {
  const why = error instanceof Error ? error.message : String(error);
  return `cannot be encoded in ${serializer}: ${why}`;
}
