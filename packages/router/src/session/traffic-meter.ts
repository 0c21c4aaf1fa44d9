import type { Clock } from '@interchange/protocol';

/**
 * The settings of a realm's `stats` block (Crossbar's session statistics), defaults applied.
 * Durations are in milliseconds here; the config gives seconds.
 */
export interface TrafficMeterSettings {
  /** Bytes of one rated message: a message of n bytes counts as ceil(n / size) rated messages. */
  readonly ratedMessageSize: number;
  /** Publish once this many rated messages went either way; 0: never for that reason. */
  readonly triggerAfterRatedMessages: number;
  /** Publish once this long passed since the last publication (checked on traffic); 0: never. */
  readonly triggerAfterMs: number;
}

/**
 * One period of a session's traffic, in the fields Autobahn|Python's serializer `stats()`
 * returns and Crossbar publishes in `wamp.session.on_stats`: both directions summed, times in
 * nanoseconds since the epoch, and `cycle` counting the periods.
 */
export interface TrafficStats {
  cycle: number;
  serializer: string;
  /** A bigint: nanoseconds since the epoch pass 2^53, and binary serializers then write an exact integer, as Python's. */
  timestamp: bigint;
  duration: number;
  bytes: number;
  messages: number;
  rated_messages: number;
}

/**
 * Counts what one session's transport sent and received, for the realm's session statistics.
 * A transport counts into it only once the router hands it one ({@link Peer.meterTraffic}), so
 * sessions of realms without `stats` count nothing.
 */
export class TrafficMeter {
  readonly #settings: TrafficMeterSettings;
  readonly #clock: Clock;
  readonly #serializer: string;
  /** Called when a trigger is reached; the owner takes the period with {@link take}. */
  readonly #onTrigger: (meter: TrafficMeter) => void;
  #cycle = 0;
  #since: number;
  #bytes = 0;
  #messages = 0;
  #rated = 0;

  constructor(
    settings: TrafficMeterSettings,
    clock: Clock,
    serializer: string,
    onTrigger: (meter: TrafficMeter) => void,
  ) {
    this.#settings = settings;
    this.#clock = clock;
    this.#serializer = serializer;
    this.#onTrigger = onTrigger;
    this.#since = clock.now();
  }

  /** One message sent, `bytes` long as serialized (without transport framing). */
  sent(bytes: number): void {
    this.#count(bytes, 1);
  }

  /** One frame received, `bytes` long, holding `messages` messages (more than one when batched). */
  received(bytes: number, messages: number): void {
    this.#count(bytes, messages);
  }

  /** The period so far, and a new period begins (Autobahn's `stats(reset=True)`). */
  take(): TrafficStats {
    const now = this.#clock.now();
    this.#cycle += 1;
    const stats: TrafficStats = {
      cycle: this.#cycle,
      serializer: this.#serializer,
      timestamp: BigInt(this.#since) * 1_000_000n,
      duration: (now - this.#since) * 1_000_000,
      bytes: this.#bytes,
      messages: this.#messages,
      rated_messages: this.#rated,
    };
    this.#bytes = 0;
    this.#messages = 0;
    this.#rated = 0;
    this.#since = now;
    return stats;
  }

  #count(bytes: number, messages: number): void {
    const { ratedMessageSize, triggerAfterRatedMessages, triggerAfterMs } = this.#settings;
    this.#bytes += bytes;
    this.#messages += messages;
    this.#rated += Math.ceil(bytes / ratedMessageSize);
    // Checked on traffic, as Autobahn does: an idle session publishes nothing until it leaves.
    if (
      (triggerAfterRatedMessages > 0 && this.#rated >= triggerAfterRatedMessages) ||
      (triggerAfterMs > 0 && this.#clock.now() - this.#since >= triggerAfterMs)
    )
      this.#onTrigger(this);
  }
}
