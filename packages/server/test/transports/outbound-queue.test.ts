import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { JOIN_LIMIT, OutboundQueue, writeFrames } from '../../src/transports/outbound-queue.js';

/** A socket stand-in that records each chunk the stream hands to the "kernel" (one per syscall). */
function recordingSocket() {
  const syscalls: Buffer[][] = [];
  const socket = new Writable({
    highWaterMark: 1 << 30,
    write(chunk: Buffer, _encoding, callback) {
      syscalls.push([chunk]);
      callback();
    },
    writev(chunks, callback) {
      syscalls.push(chunks.map((c) => c.chunk as Buffer));
      callback();
    },
  });
  return { socket, syscalls };
}

const frames = (count: number, size: number) => Array.from({ length: count }, (_, i) => Buffer.alloc(size, i % 251));

describe('writeFrames', () => {
  it('writes one frame as it is', () => {
    const { socket, syscalls } = recordingSocket();
    const [frame] = frames(1, 10);
    writeFrames(socket, [frame as Buffer], 10);
    expect(syscalls).toHaveLength(1);
    expect(syscalls[0]?.[0]).toBe(frame);
  });

  it('joins a burst of small frames into one write', () => {
    const { socket, syscalls } = recordingSocket();
    const burst = frames(100, 40);
    writeFrames(socket, burst, 4000);
    expect(syscalls).toHaveLength(1);
    expect(syscalls[0]).toHaveLength(1);
    expect(syscalls[0]?.[0]?.equals(Buffer.concat(burst))).toBe(true);
  });

  it('writes the same joined buffer to every receiver of the same frames, and joins other frames anew', () => {
    const burst = frames(8, 40);
    const receivers = [recordingSocket(), recordingSocket(), recordingSocket()];
    for (const { socket } of receivers) writeFrames(socket, burst, 320);
    const written = receivers.map(({ syscalls }) => syscalls[0]?.[0] as Buffer);
    expect(written[0]?.equals(Buffer.concat(burst))).toBe(true);
    // One join for the fan-out: the receivers get the very same bytes object.
    expect(written[1]).toBe(written[0]);
    expect(written[2]).toBe(written[0]);

    // A queue that differs, even by one frame or by its length, is joined from its own frames.
    const other = recordingSocket();
    const changed = [...burst.slice(0, 7), Buffer.alloc(40, 200)];
    writeFrames(other.socket, changed, 320);
    expect(other.syscalls[0]?.[0]).not.toBe(written[0]);
    expect(other.syscalls[0]?.[0]?.equals(Buffer.concat(changed))).toBe(true);
    const shorter = recordingSocket();
    writeFrames(shorter.socket, burst.slice(0, 7), 280);
    expect(shorter.syscalls[0]?.[0]?.equals(Buffer.concat(burst.slice(0, 7)))).toBe(true);
    const again = recordingSocket();
    writeFrames(again.socket, burst, 320);
    expect(again.syscalls[0]?.[0]?.equals(Buffer.concat(burst))).toBe(true);
  });

  it('writes a backlog past the join limit as one writev of a few joined buffers, in order', () => {
    const { socket, syscalls } = recordingSocket();
    const backlog = frames(5000, 60); // 300 kB, thousands of frames
    const big = Buffer.alloc(JOIN_LIMIT + 1, 7);
    const all = [...backlog.slice(0, 2500), big, ...backlog.slice(2500)];
    writeFrames(socket, all, 5000 * 60 + big.length);
    expect(syscalls).toHaveLength(1);
    const chunks = syscalls[0] as Buffer[];
    // Not one iovec per frame: runs of up to JOIN_LIMIT bytes, and the large frame uncopied.
    expect(chunks.length).toBeLessThanOrEqual(Math.ceil((5000 * 60) / JOIN_LIMIT) + 3);
    expect(chunks.every((c) => c.length <= JOIN_LIMIT || c === big)).toBe(true);
    expect(chunks).toContain(big);
    expect(Buffer.concat(chunks).equals(Buffer.concat(all))).toBe(true);
  });
});

describe('OutboundQueue', () => {
  it('counts bytes and empties on clear', () => {
    const queue = new OutboundQueue<Uint8Array>();
    queue.push(Buffer.alloc(3), 3);
    queue.push(Buffer.alloc(5), 5);
    expect(queue.length).toBe(2);
    expect(queue.bytes).toBe(8);
    queue.clear();
    expect(queue.length).toBe(0);
    expect(queue.bytes).toBe(0);
    expect(queue.items).toHaveLength(0);
  });
});
