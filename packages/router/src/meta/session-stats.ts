import { type Clock, InvalidArgumentError } from '@interchange/protocol';
import type { Broker } from '../broker/broker.js';
import type { SessionStatsConfig } from '../realm/realm-config.js';
import { TrafficMeter, type TrafficMeterSettings, type TrafficStats } from '../session/traffic-meter.js';
import type { JoinedSession } from './meta-sessions.js';

/** The meta event of session statistics (Crossbar's, not in the spec). */
export const ON_STATS = 'wamp.session.on_stats';

/** A realm's `stats` block, checked, with Crossbar's defaults. */
export interface SessionStatsSettings extends TrafficMeterSettings {
  readonly triggerOnJoin: boolean;
  readonly triggerOnLeave: boolean;
}

/**
 * Reads a realm's `stats` block with the defaults of Crossbar's code (`rated_message_size` 512,
 * `trigger_on_join` false, `trigger_on_leave` true; its docs say `trigger_on_join` true).
 * `trigger_after_duration` is in seconds, as Crossbar documents it.
 * @throws InvalidArgumentError where Crossbar's own checks refuse the block.
 */
export function sessionStatsSettings(config: SessionStatsConfig): SessionStatsSettings {
  const size = config.rated_message_size ?? 512;
  const afterRated = config.trigger_after_rated_messages ?? 0;
  const afterSeconds = config.trigger_after_duration ?? 0;
  if (!(Number.isSafeInteger(size) && size > 0 && size % 2 === 0))
    throw new InvalidArgumentError('stats: rated_message_size must be a positive even integer');
  if (!(Number.isSafeInteger(afterRated) && afterRated >= 0))
    throw new InvalidArgumentError('stats: trigger_after_rated_messages must be a non-negative integer');
  if (!(Number.isSafeInteger(afterSeconds) && afterSeconds >= 0))
    throw new InvalidArgumentError('stats: trigger_after_duration must be a non-negative integer of seconds');
  if (afterRated === 0 && afterSeconds === 0)
    throw new InvalidArgumentError('stats: set trigger_after_rated_messages or trigger_after_duration (or both)');
  return {
    ratedMessageSize: size,
    triggerAfterRatedMessages: afterRated,
    triggerAfterMs: afterSeconds * 1000,
    triggerOnJoin: config.trigger_on_join ?? false,
    triggerOnLeave: config.trigger_on_leave ?? true,
  };
}

/** One metered session: its meter, and whether its first statistics went out. */
interface Metered {
  readonly session: JoinedSession;
  readonly meter: TrafficMeter;
  published: boolean;
}

/**
 * Crossbar's session statistics for one realm: each session's transport counts its traffic
 * ({@link TrafficMeter}), and `wamp.session.on_stats` is published with `[session, stats]`
 * (`session` being `{realm, session, authid, authrole}`, `stats` the period's counts with
 * `first` and `last` flags) after a number of rated messages or a duration, on join and on
 * leave, as the realm's `stats` block says. A realm without `stats` has no instance, and its
 * transports count nothing.
 *
 * Triggered statistics go out after the message at hand (a microtask), never from inside a
 * transport's send; and the statistics events themselves cannot trigger more: a monitor in the
 * same realm would otherwise set off a chain of publications.
 */
export class SessionStats {
  readonly #realm: string;
  readonly #settings: SessionStatsSettings;
  readonly #broker: Broker;
  readonly #clock: Clock;
  readonly #metered = new Map<JoinedSession, Metered>();
  readonly #byMeter = new Map<TrafficMeter, Metered>();
  readonly #due = new Set<Metered>();
  #scheduled = false;
  #publishing = false;

  constructor(realm: string, settings: SessionStatsSettings, broker: Broker, clock: Clock) {
    this.#realm = realm;
    this.#settings = settings;
    this.#broker = broker;
    this.#clock = clock;
  }

  /**
   * A session joined: its transport starts counting (the message that completed the join and
   * WELCOME are in the first period, as in Crossbar). With `trigger_on_join`, the first
   * statistics go out once WELCOME has.
   */
  joined(session: JoinedSession): void {
    const peer = session.peer;
    if (peer.meterTraffic === undefined) return;
    const meter = new TrafficMeter(this.#settings, this.#clock, peer.info.serializer, (m) => this.#triggered(m));
    const metered: Metered = { session, meter, published: false };
    this.#metered.set(session, metered);
    this.#byMeter.set(meter, metered);
    peer.meterTraffic(meter);
    if (this.#settings.triggerOnJoin) this.#schedule(metered);
  }

  /** A session left: its last statistics, with `last`, when `trigger_on_leave`. */
  left(session: JoinedSession): void {
    const metered = this.#metered.get(session);
    if (metered === undefined) return;
    this.#metered.delete(session);
    this.#byMeter.delete(metered.meter);
    this.#due.delete(metered);
    session.peer.meterTraffic?.(undefined);
    if (this.#settings.triggerOnLeave) this.#publish(metered, true);
  }

  #triggered(meter: TrafficMeter): void {
    if (this.#publishing) return;
    const metered = this.#byMeter.get(meter);
    if (metered !== undefined) this.#schedule(metered);
  }

  #schedule(metered: Metered): void {
    this.#due.add(metered);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    for (const metered of this.#due) {
      this.#due.delete(metered);
      if (this.#metered.get(metered.session) === metered) this.#publish(metered, false);
    }
  }

  #publish(metered: Metered, last: boolean): void {
    const stats: TrafficStats & { first?: boolean; last?: boolean } = metered.meter.take();
    stats.first = !metered.published;
    stats.last = last;
    metered.published = true;
    const { session } = metered;
    const info = { realm: this.#realm, session: session.id, authid: session.authid, authrole: session.authrole };
    this.#publishing = true;
    try {
      this.#broker.publishMetaEvent(ON_STATS, () => [info, stats]);
    } finally {
      this.#publishing = false;
    }
  }
}
