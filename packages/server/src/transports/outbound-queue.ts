/**
 * The frames a connection has to send in this tick, and how they reach the socket: in one
 * write (docs/architecture.md, "How a message travels", step 5).
 */
import type { Writable } from 'node:stream';
import type { Frame } from '@interchange/protocol';

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
    socket.write(Buffer.concat(frames, bytes));
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
