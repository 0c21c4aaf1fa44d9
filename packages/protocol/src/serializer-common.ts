/**
 * What the JSON, msgpack and CBOR serializers share: their options, and the two rules every
 * `Serializer` keeps (unbatched ones send one message per frame; decoders throw
 * ProtocolViolationError and nothing else).
 */
import { InvalidArgumentError, ProtocolViolationError } from './errors.js';
import type { DecodeOptions } from './message-codec.js';
import type { Frame } from './serializer.js';

/** Options of the serializer factories. */
export interface SerializerOptions {
  /** Pack several messages per frame (the `.batched` subprotocols). */
  batched?: boolean;
  /** Options for validating decoded messages. */
  decode?: DecodeOptions;
}

/** For unbatched serializers, `joinFrames` only accepts one frame: there is no way to pack more. */
export function single(encoded: readonly Frame[], name: string): Frame {
  if (encoded.length !== 1) {
    throw new InvalidArgumentError(
      `the unbatched ${name} serializer sends one message per frame, got ${encoded.length}`,
    );
  }
  return encoded[0] as Frame;
}

/** Decoders promise ProtocolViolationError and nothing else; anything else is wrapped. */
export function asViolation(error: unknown, what: string): ProtocolViolationError {
  if (error instanceof ProtocolViolationError) return error;
  return new ProtocolViolationError(`frame is not valid ${what}`, { field: 'frame', cause: error });
}
