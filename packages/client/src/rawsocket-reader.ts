/**
 * Feeds the bytes of a RawSocket stream through the protocol's streaming decoder and hands what
 * comes out to whoever reads now: first the handshake, then the open transport. Swapping the
 * reader's sink is synchronous, so nothing that arrives between the handshake and the
 * transport taking over is lost: a {@link BufferingSink} keeps it for the next owner.
 */
import type { RawSocketDecoder, RawSocketEvent } from '@interchange/protocol';
import type { RawSocketStream } from './rawsocket-target.js';

/** Receives what a stream delivers. */
export interface ReaderSink {
  events(events: RawSocketEvent[]): void;
  /** The peer broke a framing rule; nothing more is read. */
  failed(error: Error): void;
  closed(): void;
}

/** One stream, one decoder, one current sink. */
export class StreamReader {
  sink: ReaderSink;
  /** The last error the stream reported, if any (it is always followed by `close`). */
  streamError: Error | undefined;
  readonly stream: RawSocketStream;
  readonly decoder: RawSocketDecoder;
  #failed = false;

  constructor(stream: RawSocketStream, decoder: RawSocketDecoder, sink: ReaderSink) {
    this.stream = stream;
    this.decoder = decoder;
    this.sink = sink;
    stream.on('data', (chunk) => this.#onData(chunk));
    stream.on('error', (error) => {
      this.streamError = error;
    });
    stream.on('close', () => this.sink.closed());
  }

  #onData(chunk: Uint8Array): void {
    if (this.#failed) return;
    let events: RawSocketEvent[];
    try {
      events = this.decoder.push(chunk);
    } catch (error) {
      this.#failed = true;
      this.sink.failed(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (events.length > 0) this.sink.events(events);
  }
}

/** A sink that keeps everything, in order, for the next owner to replay. */
export class BufferingSink implements ReaderSink {
  readonly items: Array<{ events: RawSocketEvent[] } | { failed: Error } | { closed: true }> = [];

  events(events: RawSocketEvent[]): void {
    this.items.push({ events });
  }

  failed(error: Error): void {
    this.items.push({ failed: error });
  }

  closed(): void {
    this.items.push({ closed: true });
  }

  /** Hands the kept items to `sink`, in order. */
  replay(sink: ReaderSink): void {
    for (const item of this.items.splice(0)) {
      if ('events' in item) sink.events(item.events);
      else if ('failed' in item) sink.failed(item.failed);
      else sink.closed();
    }
  }
}
