/** The packet size guard, fed whole, byte by byte, and split at random points. */
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { PacketSizeGuard } from '../../src/mqtt/packet-size-guard.js';

const publish = (size: number) =>
  mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(size), qos: 0, retain: false, dup: false });

function feed(guard: PacketSizeGuard, bytes: Buffer, cuts: number[]): string {
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b)) {
    const verdict = guard.check(bytes.subarray(at, cut));
    if (verdict !== 'ok') return verdict;
    at = cut;
  }
  return guard.check(bytes.subarray(at));
}

describe('PacketSizeGuard', () => {
  it('passes packets up to the bound and stops the first larger one, however the stream is split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 6 }),
        fc.array(fc.nat(2000)),
        (sizes, cuts) => {
          const stream = Buffer.concat(sizes.map(publish));
          const bound = 200;
          const tooLarge = sizes.some((size) => publish(size).length > bound);
          expect(feed(new PacketSizeGuard(bound), stream, cuts)).toBe(tooLarge ? 'too-large' : 'ok');
        },
      ),
    );
  });

  it('knows whether the stream so far ends with a whole packet, wherever it is split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 6 }),
        fc.nat(4000),
        (sizes, cut) => {
          const packets = sizes.map(publish);
          const stream = Buffer.concat(packets);
          const at = cut % (stream.length + 1);
          const guard = new PacketSizeGuard(1024);
          expect(guard.atBoundary).toBe(true);
          guard.check(stream.subarray(0, at));
          const ends = new Set([0]);
          let end = 0;
          for (const packet of packets) {
            end += packet.length;
            ends.add(end);
          }
          expect(guard.atBoundary).toBe(ends.has(at));
        },
      ),
    );
  });

  it('says too-large from the fixed header alone, before the body arrives', () => {
    expect(new PacketSizeGuard(1024).check(Uint8Array.from([0x30, 0xff, 0xff, 0x03]))).toBe('too-large');
  });

  it('says malformed for a remaining length of more than four octets', () => {
    expect(new PacketSizeGuard(2 ** 30).check(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe('malformed');
  });
});
