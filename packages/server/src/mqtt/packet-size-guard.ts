/**
 * Bounds the size of incoming MQTT packets before any is buffered: it reads only each packet's
 * fixed header (a type octet and the variable-length Remaining Length, MQTT 3.1.1 section
 * 2.2.3) and skips the body by count, so a peer announcing a huge packet is refused at its
 * first octets instead of after the codec has buffered it.
 */

/** What {@link PacketSizeGuard.check} found. */
export type GuardVerdict = 'ok' | 'too-large' | 'malformed';

/** Walks the fixed headers of an MQTT byte stream. */
export class PacketSizeGuard {
  readonly #max: number;
  /** Octets of the current packet's body still to skip. */
  #skip = 0;
  /** Where we are in a fixed header: 0 type octet, 1..4 length octets. */
  #headerStep = 0;
  #length = 0;
  #multiplier = 1;

  /** @param max The largest whole packet accepted, fixed header included. */
  constructor(max: number) {
    this.#max = max;
  }

  /** Whether the stream so far ended with a whole packet: the next octet starts a fixed header. */
  get atBoundary(): boolean {
    return this.#skip === 0 && this.#headerStep === 0;
  }

  /** Feeds the next chunk of the stream; once not `ok`, the connection must end. */
  check(chunk: Uint8Array): GuardVerdict {
    let at = 0;
    while (at < chunk.length) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, chunk.length - at);
        this.#skip -= step;
        at += step;
        continue;
      }
      const octet = chunk[at++] as number;
      if (this.#headerStep === 0) {
        this.#headerStep = 1;
        this.#length = 0;
        this.#multiplier = 1;
        continue;
      }
      this.#length += (octet & 0x7f) * this.#multiplier;
      this.#multiplier *= 128;
      if ((octet & 0x80) !== 0) {
        if (this.#headerStep === 4) return 'malformed';
        this.#headerStep++;
        continue;
      }
      if (1 + this.#headerStep + this.#length > this.#max) return 'too-large';
      this.#skip = this.#length;
      this.#headerStep = 0;
    }
    return 'ok';
  }
}
