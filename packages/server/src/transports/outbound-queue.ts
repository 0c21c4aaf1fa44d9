/**
 * The frames a connection has to send in this tick, and how they reach the socket: in one
 * write (docs/architecture.md, "How a message travels", step 5).
 */
import type { Writable } from 'node:stream';
import type { Frame } from '@interchange/protocol';
import type { FrameCache } from './frame-cache.js';

/**
 * Frames are joined into buffers of up to this many bytes before they are written. Copying a few
 * kB is far cheaper than the per-chunk cost of a stream write and a `writev` iovec per frame, and
 * that per-chunk cost is what makes a router that fell behind fall further behind: the bigger the
 * backlog of one tick, the more chunks, the slower the tick. Joined, a backlog costs a memcpy.
 */
export const JOIN_LIMIT = 64 * 1024;

/** Outgoing items of one connection (whole frames, or payloads still to frame), with their size. */
export class OutboundQueue<T extends Frame = Frame> {
  #items: T[] = [];
  #bytes = 0;

  /** Bytes buffered. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of items buffered. */
  get length(): number {
    return this.#items.length;
  }

  /** Appends an item of `size` bytes. */
  push(item: T, size: number): void {
    this.#items.push(item);
    this.#bytes += size;
  }

  /** The buffered items, oldest first (valid until the next {@link clear}). */
  get items(): readonly T[] {
    return this.#items;
  }

  /**
   * Empties the queue; its array is reused, so nothing is allocated per flush. Popped, not
   * `length = 0`: setting the length is a runtime call that also frees the array's storage, so
   * each tick's first pushes grew it again (docs/profiling.md, "What to look for").
   */
  clear(): void {
    const items = this.#items;
    while (items.length > 0) items.pop();
    this.#bytes = 0;
  }
}

/**
 * The last frames joined into one buffer, and that buffer. In a fan-out, every subscriber of the
 * tick's publications has the very same frames queued (the shared frames of {@link FrameCache}),
 * so the buffer joined for the first one is written to all of them, as a single frame is (frames
 * are never mutated once built). A few reference comparisons replace a join per receiver, which
 * was about a quarter of a delivery's CPU through the transport (docs/profiling.md). Any other
 * queue (replies, a receiver with more or other frames) differs at once and is joined as before.
 */
class LastJoin {
  readonly #frames: Uint8Array[] = [];
  #joined: Buffer | undefined;

  join(frames: readonly Uint8Array[], bytes: number): Buffer {
    const last = this.#frames;
    if (this.#joined !== undefined && last.length === frames.length && sameFrames(last, frames)) return this.#joined;
    const joined = Buffer.concat(frames, bytes);
    while (last.length > 0) last.pop();
    for (let i = 0; i < frames.length; i++) last.push(frames[i] as Uint8Array);
    this.#joined = joined;
    return joined;
  }
}

function sameFrames(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One per process, like the tick flusher: connections flush one after the other. */
const lastJoin = new LastJoin();

/**
 * Writes complete frames to `socket` in one syscall when they fit one joined buffer, otherwise as
 * a corked `writev` of a few large buffers: frames are joined into runs of up to
 * {@link JOIN_LIMIT} bytes, and a frame larger than that goes as it is, uncopied.
 */
export function writeFrames(socket: Writable, frames: readonly Uint8Array[], bytes: number): void {
  if (frames.length === 1) {
    socket.write(frames[0] as Uint8Array);
    return;
  }
  if (bytes <= JOIN_LIMIT) {
    socket.write(lastJoin.join(frames, bytes));
    return;
  }
  socket.cork();
  let runStart = 0;
  let runBytes = 0;
  const writeRun = (end: number): void => {
    if (end - runStart === 1) socket.write(frames[runStart] as Uint8Array);
    else if (end > runStart) socket.write(Buffer.concat(frames.slice(runStart, end), runBytes));
    runStart = end;
    runBytes = 0;
  };
  for (let i = 0; i < frames.length; i++) {
    const size = (frames[i] as Uint8Array).length;
    if (runBytes + size > JOIN_LIMIT) writeRun(i);
    runBytes += size;
  }
  writeRun(frames.length);
  socket.uncork();
}
