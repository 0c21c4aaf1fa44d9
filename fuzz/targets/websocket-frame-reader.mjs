/**
 * Fuzz target: the WebSocket frame reader of packages/server/src/transports/websocket-frame-reader.ts
 * (what every client byte on a WebSocket without compression goes through) and the frame-size
 * guard of websocket-frame-guard.ts (the same bytes, on connections ws reads).
 *
 * The first byte picks the limits; the rest is the client's byte stream. Asserted: the reader
 * never throws; it reports nothing after a close or a failure; a failure carries 1002, 1007 or
 * 1009; a close code is one a peer may send; messages respect the limits and hold no more bytes
 * than were sent; and the stream cut into chunks at points the input picks reads the same as
 * the stream in one piece. The guard never throws and reports only frames over its limit.
 */
import { FrameSizeGuard } from '../../packages/server/dist/transports/websocket-frame-guard.js';
import { WebSocketFrameReader } from '../../packages/server/dist/transports/websocket-frame-reader.js';
import { check, checkEqual, chunksOf, splitPoints } from './invariants.mjs';

const MAX_PAYLOADS = [0, 1, 125, 126, 1024, 65_536, 1 << 20, 16 << 20];
const MAX_FRAMES = [Number.POSITIVE_INFINITY, 0, 64, 70_000];
const FAIL_CODES = new Set([1002, 1007, 1009]);

/** Close codes a peer may send (RFC 6455 section 7.4 and the IANA registry). */
function isPeerCloseCode(code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** Limits chosen by the first byte. */
export function limitsOf(data) {
  const first = data[0] ?? 0;
  return { maxPayload: MAX_PAYLOADS[first & 7], maxFrame: MAX_FRAMES[(first >> 3) & 3] };
}

/** Reads `chunks` with a fresh reader; returns what it reported, checking each event as it comes. */
export function readFrames(chunks, { maxPayload, maxFrame }) {
  const events = [];
  let ended = false;
  let sent = 0;
  const record = (event) => {
    check(!ended, `the reader reported ${event[0]} after it ended`);
    events.push(event);
  };
  const reader = new WebSocketFrameReader(
    maxPayload,
    {
      message: (data, binary) => {
        check(data.length <= maxPayload, `a message of ${data.length} bytes passed the limit of ${maxPayload}`);
        record(['message', binary, Buffer.from(data).toString('hex')]);
      },
      ping: (data) => {
        check(data.length <= 125, `a ping of ${data.length} bytes`);
        record(['ping', Buffer.from(data).toString('hex')]);
      },
      pong: (data) => {
        check(data.length <= 125, `a pong of ${data.length} bytes`);
        record(['pong', Buffer.from(data).toString('hex')]);
      },
      close: (code, reason) => {
        check(code === undefined || isPeerCloseCode(code), `close code ${code} passed`);
        record(['close', code, reason]);
        ended = true;
      },
      fail: (code, reason) => {
        check(FAIL_CODES.has(code), `failed with close code ${code} (${reason})`);
        check(
          typeof reason === 'string' && reason.length > 0 && reason.length <= 123,
          'a fail reason must fit a close frame',
        );
        record(['fail', code]);
        ended = true;
      },
    },
    maxFrame,
  );
  for (const chunk of chunks) {
    sent += chunk.length;
    reader.push(chunk);
  }
  const received = events.reduce((n, e) => n + (e[0] === 'message' ? e[2].length / 2 : 0), 0);
  check(received <= sent, `messages hold ${received} bytes of ${sent} sent`);
  return events;
}

/** The sizes the guard reports for `chunks`. */
function guardFrames(chunks, limit) {
  const reported = [];
  const guard = new FrameSizeGuard(limit, (length) => {
    check(length > limit, `the guard reported a frame of ${length} bytes under its limit of ${limit}`);
    reported.push(length);
  });
  for (const chunk of chunks) guard.push(chunk);
  check(reported.length <= 1, 'the guard reports one frame and stops');
  return reported;
}

export function fuzz(data) {
  const limits = limitsOf(data);
  const stream = data.subarray(1);
  const whole = readFrames([Buffer.from(stream)], limits);
  const split = readFrames(chunksOf(stream, splitPoints(stream, 3)), limits);
  checkEqual(split, whole, 'events of the stream in chunks and in one piece');
  const bytewise = stream.length <= 512 ? readFrames(chunksOf(stream, [...stream.keys()].slice(1)), limits) : whole;
  checkEqual(bytewise, whole, 'events of the stream byte by byte and in one piece');
  if (Number.isFinite(limits.maxFrame)) {
    const guarded = guardFrames([Buffer.from(stream)], limits.maxFrame);
    checkEqual(guardFrames(chunksOf(stream, splitPoints(stream, 3)), limits.maxFrame), guarded, 'guard reports');
  }
}
