/**
 * Fuzz target: the RawSocket stream decoder of packages/protocol/src/rawsocket-framing.ts (what
 * every byte of a RawSocket connection, TCP or Unix, goes through).
 *
 * The first byte picks whether a handshake comes first and the length limit; the rest is the
 * stream. Asserted: the decoder returns events or throws a RawSocketError, and once it threw it
 * throws the same error again; payloads respect the limit and hold no more bytes than were sent;
 * the stream in chunks decodes as the stream in one piece.
 */
import { RawSocketDecoder, RawSocketError } from '@interchange/protocol';
import { check, checkEqual, chunksOf, splitPoints } from './invariants.mjs';

const MAX_LENGTHS = [0, 1, 512, 2 ** 16, 2 ** 24];

/** Decodes `chunks`; returns the events and the error that ended the stream, if any. */
function decode(chunks, options) {
  const decoder = new RawSocketDecoder(options);
  const events = [];
  let sent = 0;
  let received = 0;
  for (const chunk of chunks) {
    sent += chunk.length;
    let got;
    try {
      got = decoder.push(chunk);
    } catch (error) {
      if (!(error instanceof RawSocketError)) throw error;
      let again;
      try {
        decoder.push(new Uint8Array(1));
      } catch (later) {
        again = later;
      }
      check(again === error, 'a failed decoder must keep failing with the same error');
      return { events, error: error.reason };
    }
    for (const event of got) {
      if (event.type === 'handshake') {
        events.push(['handshake', event.handshake]);
        continue;
      }
      check(event.payload.length <= decoder.maxLength, `a payload of ${event.payload.length} passed the limit`);
      received += event.payload.length;
      events.push([event.type, Buffer.from(event.payload).toString('hex')]);
    }
    check(received + decoder.buffered <= sent, `decoded and buffered ${received + decoder.buffered} of ${sent}`);
  }
  return { events, error: undefined };
}

/**
 * The stream in chunks must decode as in one piece, but for one intended difference: a push that
 * ends in a broken frame throws and returns nothing, so frames completed earlier in the same
 * chunk are not reported (the connection is failed either way). Chunked, those frames may come
 * out of earlier pushes: the events in one piece must be a prefix of them, with the same error.
 */
function checkChunked(chunked, whole, what) {
  if (whole.error === undefined) return checkEqual(chunked, whole, what);
  checkEqual(chunked.error, whole.error, `${what}: the error`);
  checkEqual(chunked.events.slice(0, whole.events.length), whole.events, `${what}: the events before the error`);
}

export function fuzz(data) {
  const first = data[0] ?? 0;
  const options = { expectHandshake: (first & 1) === 1, maxLength: MAX_LENGTHS[(first >> 1) % MAX_LENGTHS.length] };
  const stream = data.subarray(1);
  const whole = decode([Buffer.from(stream)], options);
  checkChunked(decode(chunksOf(stream, splitPoints(stream, 4)), options), whole, 'the stream in chunks');
  if (stream.length <= 256) {
    checkChunked(decode(chunksOf(stream, [...stream.keys()].slice(1)), options), whole, 'the stream byte by byte');
  }
}
