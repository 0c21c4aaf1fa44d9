/**
 * The MQTT session of one client ID (MQTT 3.1.1 section 4.1, MQTT 5.0 section 4.1): its WAMP
 * session in the realm, its subscriptions, the QoS 1 messages sent and not yet acknowledged,
 * the messages waiting to be sent, and its will. A persistent session outlives the network
 * connection (clean session 0, or a session expiry interval): its WAMP session stays joined and
 * subscribed, QoS 1 messages queue up (bounded) and are sent, unacknowledged ones again with DUP
 * set, when the client comes back.
 */
import type { Session, Subscription } from '@interchange/client';
import type { EventMessage } from '@interchange/protocol';
import type { IPublishPacket, ISubscribePacket, IUnsubscribePacket, Packet } from 'mqtt-packet';
import type { Logger } from '../logger.js';
import { type EventTap, patternKey } from './event-tap.js';
import type { PayloadMapper } from './payload-mapping.js';
import type { MappedEvent, PublishEncoder } from './publish-encoder.js';
import { ReasonCode, SUBACK_FAILURE } from './reason-codes.js';
import { filterMatches, filterToPatterns, topicToUri } from './topic-mapping.js';

/** What a session needs from the network connection it is attached to. */
export interface SessionLink {
  readonly protocolVersion: number;
  /** Sends a packet; false when it was not sent (too large for the client, connection gone). */
  send(packet: Packet): boolean;
  /** Sends an encoded packet, `head` then `payload`; false when it was not sent. */
  sendBytes(head: Buffer, payload?: Buffer): boolean;
  /** Whether the connection's write buffer is over its bound (QoS 0 messages are then dropped). */
  readonly congested: boolean;
}

/** A message for the client: an EVENT in MQTT form (shared with every other subscriber), at the QoS it goes out at. */
interface Outgoing {
  event: MappedEvent;
  qos: 0 | 1;
}

/** The will of a connection (MQTT 3.1.1 section 3.1.2.5). */
export interface Will {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** QoS 1 and 2 are published with `acknowledge`, so subscribers get the will at QoS 1 (at most). */
  qos: number;
  /** MQTT 5 Will Delay Interval, in milliseconds. */
  delayMs: number;
}

/** Bounds of a session. */
export interface SessionLimits {
  maxInflight: number;
  maxQueued: number;
}

interface MqttSubscription {
  qos: 0 | 1;
  /** False once unsubscribed: events still on their way are not delivered. */
  active: boolean;
  /** MQTT 5 No Local: the client's own messages are not sent back on this subscription. */
  noLocal: boolean;
  wamp: Subscription[];
  /** The keys (event-tap.ts) of its WAMP patterns, under which it receives their EVENTs. */
  keys: string[];
}

/** Options of {@link MqttSession}. */
export interface MqttSessionOptions {
  clientId: string;
  wamp: Session;
  authid: string;
  authrole: string;
  mapper: PayloadMapper;
  /** Where the WAMP session's EVENTs are taken (mqtt-join.ts). */
  tap: EventTap;
  /** The transport's EVENT to PUBLISH encoder, shared by its sessions. */
  encoder: PublishEncoder;
  limits: SessionLimits;
  logger: Logger;
}

/** The result of a PUBLISH from the client: a PUBACK reason code (MQTT 5), or `disconnect` with one. */
export type PublishOutcome = { ack: number } | { disconnect: number; reason: string };

/** One client ID's session. */
export class MqttSession {
  readonly clientId: string;
  readonly wamp: Session;
  readonly authid: string;
  readonly authrole: string;
  /** Seconds the session is kept after its connection ends (0: ends with it). */
  expirySeconds = 0;
  will: Will | undefined;
  readonly #mapper: PayloadMapper;
  readonly #encoder: PublishEncoder;
  readonly #limits: SessionLimits;
  readonly #logger: Logger;
  readonly #subscriptions = new Map<string, MqttSubscription>();
  /** Subscriptions by the keys of their WAMP patterns (several filters can share one, `a/#` and `a`). */
  readonly #byKey = new Map<string, MqttSubscription[]>();
  readonly #inflight = new Map<number, Outgoing>();
  readonly #queue: Outgoing[] = [];
  /** QoS 2 packet IDs received and not yet released (exactly-once into the realm). */
  readonly #received = new Set<number>();
  #link: SessionLink | undefined;
  #nextPacketId = 1;
  /** Events whose payload is being mapped, in order (a dynamic mapping calls out). */
  #pipeline: Promise<void> = Promise.resolve();
  #mapping = 0;
  #dropped = 0;
  #ended = false;
  #expiryTimer: NodeJS.Timeout | undefined;
  #willTimer: NodeJS.Timeout | undefined;
  #delayedWill: Will | undefined;
  /** A will being published: the WAMP session leaves only after it. */
  #willPublishing: Promise<void> = Promise.resolve();

  constructor(options: MqttSessionOptions) {
    this.clientId = options.clientId;
    this.wamp = options.wamp;
    this.authid = options.authid;
    this.authrole = options.authrole;
    this.#mapper = options.mapper;
    this.#encoder = options.encoder;
    this.#limits = options.limits;
    this.#logger = options.logger;
    options.tap.setSink(
      (key, topic, message) => this.#onEvent(key, topic, message),
      (error) => this.#logger.error({ err: error, clientId: this.clientId }, 'MQTT: delivering an event failed'),
    );
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** QoS 1 messages sent and not acknowledged, and messages waiting (for tests and status). */
  get pending(): { inflight: number; queued: number; dropped: number } {
    return { inflight: this.#inflight.size, queued: this.#queue.length, dropped: this.#dropped };
  }

  /**
   * Attaches a (new) connection: unacknowledged QoS 1 messages are sent again with DUP set
   * (MQTT 3.1.1 section 4.4), then the queue drains.
   */
  attach(link: SessionLink): void {
    clearTimeout(this.#expiryTimer);
    clearTimeout(this.#willTimer);
    this.#expiryTimer = undefined;
    this.#willTimer = undefined;
    this.#delayedWill = undefined;
    this.#link = link;
    for (const [messageId, message] of this.#inflight) this.#sendPublish(link, message, messageId, true);
    this.#drain();
  }

  /**
   * The connection ended. An abnormal end publishes the will (after its delay); a session
   * without expiry ends now, else when the expiry passes, unless a connection attaches first.
   */
  detach(link: SessionLink, options: { abnormal: boolean; onExpired: () => void }): void {
    // Another connection holds the session now (a takeover); a session no connection holds (its
    // connection ended before CONNACK) goes on to its expiry.
    if (this.#link !== link && this.#link !== undefined) return;
    this.#link = undefined;
    const will = options.abnormal ? this.will : undefined;
    this.will = undefined;
    if (will !== undefined) {
      if (will.delayMs > 0 && this.expirySeconds > 0) {
        this.#delayedWill = will;
        this.#willTimer = setTimeout(
          () => {
            this.#willPublishing = this.#publishWill(will);
          },
          Math.min(will.delayMs, this.expirySeconds * 1000),
        );
      } else this.#willPublishing = this.#publishWill(will);
    }
    if (this.expirySeconds === 0) {
      options.onExpired();
      return;
    }
    this.#expiryTimer = setTimeout(options.onExpired, this.expirySeconds * 1000);
    this.#expiryTimer.unref();
  }

  /** Ends the session: its WAMP session leaves the realm (a pending will is published first). */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#expiryTimer);
    // A will whose delay has not passed is published now: the session ends first (MQTT 5.0 section 3.1.3.2.2).
    if (this.#willTimer !== undefined && this.#delayedWill !== undefined) {
      clearTimeout(this.#willTimer);
      this.#willPublishing = this.#publishWill(this.#delayedWill);
    }
    this.#inflight.clear();
    this.#queue.length = 0;
    await this.#willPublishing;
    try {
      if (this.wamp.isOpen) await this.wamp.leave();
    } catch (error) {
      this.#logger.debug({ err: error, clientId: this.clientId }, 'MQTT session: leaving the realm failed');
    }
  }

  /** Publishes a will now (delay passed or connection taken over). */
  async #publishWill(will: Will): Promise<void> {
    this.#willTimer = undefined;
    this.#delayedWill = undefined;
    const uri = topicToUri(will.topic);
    if (typeof uri !== 'string') return;
    try {
      const publication = await this.#mapper.toWamp(uri, will.topic, will.payload);
      if (this.wamp.isOpen)
        await this.wamp.publish(uri, publication.args, {
          ...publication.options,
          exclude_me: false,
          ...(will.retain ? { retain: true } : {}),
          ...(will.qos > 0 ? { acknowledge: true } : {}),
        });
    } catch (error) {
      this.#logger.info({ err: error, clientId: this.clientId, topic: will.topic }, 'MQTT will not published');
    }
  }

  /**
   * A PUBLISH from the client, into the realm. QoS 1 and 2 wait for the broker's
   * acknowledgement, so a PUBACK/PUBREC means the realm has the event (and the retained store,
   * with `retain`).
   */
  async publish(packet: IPublishPacket): Promise<PublishOutcome> {
    const uri = topicToUri(packet.topic);
    if (typeof uri !== 'string')
      return { disconnect: ReasonCode.TOPIC_NAME_INVALID, reason: `topic "${packet.topic}": ${uri.reason}` };
    // QoS 2: a PUBLISH sent again before its PUBREL is the same message (MQTT 3.1.1 section 4.3.3).
    if (packet.qos === 2 && packet.messageId !== undefined) {
      if (this.#received.has(packet.messageId)) return { ack: ReasonCode.SUCCESS };
      if (this.#received.size >= this.#limits.maxInflight)
        return { disconnect: ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, reason: 'too many QoS 2 messages in flight' };
      this.#received.add(packet.messageId);
    }
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    let publication: Awaited<ReturnType<PayloadMapper['toWamp']>>;
    try {
      // A retained message without payload clears the topic's retained message (section 3.3.1.3):
      // it becomes an empty retained event, which MQTT subscribers are not sent.
      publication =
        packet.retain && payload.length === 0
          ? { args: undefined, options: {} }
          : await this.#mapper.toWamp(uri, packet.topic, payload);
    } catch (error) {
      this.#logger.info(
        { err: error, clientId: this.clientId, topic: packet.topic },
        'MQTT payload not mapped; dropped',
      );
      return { ack: ReasonCode.PAYLOAD_FORMAT_INVALID };
    }
    const options = {
      ...publication.options,
      exclude_me: this.#excludesOwn(packet.topic),
      ...(packet.retain ? { retain: true } : {}),
      ...(packet.qos > 0 ? { acknowledge: true } : {}),
    };
    try {
      await this.wamp.publish(uri, publication.args, options);
      return { ack: ReasonCode.SUCCESS };
    } catch (error) {
      this.#logger.debug({ err: error, clientId: this.clientId, topic: packet.topic }, 'MQTT publish refused');
      const uriOf = (error as { uri?: string }).uri;
      return { ack: uriOf === 'wamp.error.not_authorized' ? ReasonCode.NOT_AUTHORIZED : ReasonCode.UNSPECIFIED_ERROR };
    }
  }

  /**
   * Whether the client's own message on `topic` must not come back: some matching subscription
   * has No Local and none without it matches (the WAMP session's `exclude_me` is per message,
   * not per subscription).
   */
  #excludesOwn(topic: string): boolean {
    let noLocal = false;
    if (![...this.#subscriptions.values()].some((entry) => entry.noLocal)) return false;
    for (const [filter, entry] of this.#subscriptions) {
      if (!filterMatches(filter, topic)) continue;
      if (!entry.noLocal) return false;
      noLocal = true;
    }
    return noLocal;
  }

  /** PUBREL: a QoS 2 message is released; answered with PUBCOMP. */
  release(messageId: number): number {
    return this.#received.delete(messageId) ? ReasonCode.SUCCESS : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND;
  }

  /** SUBSCRIBE: one WAMP subscription per mapped pattern; returns the SUBACK codes in order. */
  async subscribe(packet: ISubscribePacket, version: number): Promise<number[]> {
    const codes: number[] = [];
    for (const request of packet.subscriptions) codes.push(await this.#subscribeOne(request, version));
    return codes;
  }

  async #subscribeOne(request: ISubscribePacket['subscriptions'][number], version: number): Promise<number> {
    const v5 = version === 5;
    const patterns = filterToPatterns(request.topic);
    if (!Array.isArray(patterns)) {
      this.#logger.debug(
        { clientId: this.clientId, filter: request.topic, reason: patterns.reason },
        'MQTT subscription refused',
      );
      if (!v5) return SUBACK_FAILURE;
      if (patterns.kind === 'shared') return ReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED;
      if (patterns.kind === 'mixed-wildcards') return ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED;
      return ReasonCode.TOPIC_FILTER_INVALID;
    }
    // QoS 2 is granted as QoS 1: a server may grant less than asked (MQTT 3.1.1 section 3.8.4).
    const qos: 0 | 1 = request.qos === 0 ? 0 : 1;
    const existing = this.#subscriptions.get(request.topic);
    if (existing !== undefined) {
      // The same filter again replaces the subscription (section 3.8.4); retained events are
      // sent again unless MQTT 5's Retain Handling says otherwise.
      existing.qos = qos;
      existing.noLocal = v5 && request.nl === true;
      return qos;
    }
    const getRetained = !v5 || (request.rh ?? 0) !== 2;
    const entry: MqttSubscription = { qos, active: true, noLocal: v5 && request.nl === true, wamp: [], keys: [] };
    this.#subscriptions.set(request.topic, entry);
    try {
      for (const [index, pattern] of patterns.entries()) {
        // Listed under its key before SUBSCRIBE goes out: the tap hands over EVENTs (retained
        // ones first) from the moment the router answers; the client `Session` gets none of them.
        const key = patternKey(pattern.uri, pattern.match);
        this.#listen(key, entry);
        const subscribing = this.wamp.subscribe(pattern.uri, () => {}, {
          match: pattern.match,
          ...(getRetained ? { get_retained: true } : {}),
        });
        if (index === 0) entry.wamp.push(await subscribing);
        else {
          // The parent level of `a/#` (the exact URI `a`) is best effort: a role allowed the
          // prefix `a.` alone still gets its subscription.
          try {
            entry.wamp.push(await subscribing);
          } catch (error) {
            this.#unlisten(key, entry);
            this.#logger.debug(
              { err: error, clientId: this.clientId, uri: pattern.uri },
              'MQTT: parent level not subscribed',
            );
          }
        }
      }
      return qos;
    } catch (error) {
      this.#subscriptions.delete(request.topic);
      entry.active = false;
      for (const key of [...entry.keys]) this.#unlisten(key, entry);
      for (const subscription of entry.wamp) void subscription.unsubscribe().catch(() => {});
      const uri = (error as { uri?: string }).uri;
      this.#logger.debug(
        { err: error, clientId: this.clientId, filter: request.topic },
        'MQTT subscription refused by the realm',
      );
      if (!v5) return SUBACK_FAILURE;
      return uri === 'wamp.error.not_authorized' ? ReasonCode.NOT_AUTHORIZED : ReasonCode.UNSPECIFIED_ERROR;
    }
  }

  /** UNSUBSCRIBE; returns the MQTT 5 UNSUBACK codes in order. */
  async unsubscribe(packet: IUnsubscribePacket): Promise<number[]> {
    const codes: number[] = [];
    for (const filter of packet.unsubscriptions) {
      const entry = this.#subscriptions.get(filter);
      if (entry === undefined) {
        codes.push(ReasonCode.NO_SUBSCRIPTION_EXISTED);
        continue;
      }
      this.#subscriptions.delete(filter);
      entry.active = false;
      for (const key of [...entry.keys]) this.#unlisten(key, entry);
      await Promise.all(entry.wamp.map((subscription) => subscription.unsubscribe().catch(() => {})));
      codes.push(ReasonCode.SUCCESS);
    }
    return codes;
  }

  /** PUBACK from the client: a QoS 1 message is delivered; the queue may move. */
  acknowledge(messageId: number): void {
    if (this.#inflight.delete(messageId)) this.#drain();
  }

  #listen(key: string, entry: MqttSubscription): void {
    entry.keys.push(key);
    const entries = this.#byKey.get(key);
    if (entries === undefined) this.#byKey.set(key, [entry]);
    else entries.push(entry);
  }

  #unlisten(key: string, entry: MqttSubscription): void {
    const keyAt = entry.keys.indexOf(key);
    if (keyAt >= 0) entry.keys.splice(keyAt, 1);
    const entries = this.#byKey.get(key);
    if (entries === undefined) return;
    const at = entries.indexOf(entry);
    if (at >= 0) entries.splice(at, 1);
    if (entries.length === 0) this.#byKey.delete(key);
  }

  /**
   * An EVENT of the WAMP subscription with `key` (its topic `topic`), as the router sent it:
   * mapped and encoded once for every MQTT subscriber (publish-encoder.ts), then delivered or
   * queued for each MQTT subscription listening on it, in order.
   */
  #onEvent(key: string, topic: string, message: EventMessage): void {
    if (this.#ended) return;
    const entries = this.#byKey.get(key);
    if (entries === undefined) return;
    const topicDetail = message.details['topic'];
    const event = this.#encoder.map(message, typeof topicDetail === 'string' ? topicDetail : topic);
    if (event === null) return;
    if (!(event instanceof Promise) && this.#mapping === 0) {
      this.#deliverEvent(entries, event);
      return;
    }
    // A dynamic mapping's encoder is being called: later events wait their turn (order is kept),
    // up to a bound.
    if (this.#mapping >= Math.max(1000, this.#limits.maxQueued + this.#limits.maxInflight)) {
      this.#drop('mapping backlog');
      return;
    }
    const listening = [...entries];
    this.#mapping++;
    this.#pipeline = this.#pipeline.then(async () => {
      try {
        const mapped = await event;
        if (mapped !== null && !this.#ended) this.#deliverEvent(listening, mapped);
      } catch (error) {
        // Never rejects: a failure here must not stop the events behind it.
        this.#logger.error({ err: error, clientId: this.clientId }, 'WAMP event to MQTT failed; dropped');
      } finally {
        this.#mapping--;
      }
    });
  }

  /**
   * One event to each MQTT subscription listening on its pattern, at the lower of the
   * publication's QoS and the one granted (MQTT 3.1.1 section 3.8.4, MQTT 5.0 section 3.8.4).
   */
  #deliverEvent(entries: readonly MqttSubscription[], event: MappedEvent): void {
    for (const entry of entries) {
      if (!entry.active) continue;
      this.#deliver({ event, qos: Math.min(entry.qos, event.qos) as 0 | 1 });
    }
  }

  #deliver(message: Outgoing): void {
    const link = this.#link;
    if (message.qos === 0) {
      // QoS 0 is not kept for an absent or congested client (MQTT 3.1.1 section 4.1: optional).
      if (link === undefined || link.congested) this.#drop('QoS 0 to an absent or slow client');
      else this.#sendPublish(link, message, undefined, false);
      return;
    }
    if (link !== undefined && this.#queue.length === 0 && this.#inflight.size < this.#limits.maxInflight) {
      this.#sendQos1(link, message);
      return;
    }
    if (this.#queue.length >= this.#limits.maxQueued) {
      this.#queue.shift();
      this.#drop('queue full, oldest message dropped');
    }
    if (this.#limits.maxQueued > 0) this.#queue.push(message);
  }

  #drain(): void {
    const link = this.#link;
    if (link === undefined) return;
    while (this.#queue.length > 0 && this.#inflight.size < this.#limits.maxInflight) {
      this.#sendQos1(link, this.#queue.shift() as Outgoing);
    }
  }

  #sendQos1(link: SessionLink, message: Outgoing): void {
    const messageId = this.#allocatePacketId();
    this.#inflight.set(messageId, message);
    this.#sendPublish(link, message, messageId, false);
  }

  #sendPublish(link: SessionLink, message: Outgoing, messageId: number | undefined, dup: boolean): void {
    // Encoded for the connection's protocol version when it is sent: a queued message may go
    // out on a later connection of another version.
    const packet = message.event.packet(message.qos, link.protocolVersion);
    const sent = packet !== undefined && link.sendBytes(packet.head(messageId, dup), packet.payload);
    if (!sent && messageId !== undefined) {
      // Too large for the client (MQTT 5 Maximum Packet Size): discarded as if acknowledged (section 3.1.2.11.4).
      this.#inflight.delete(messageId);
      this.#drop('larger than the client accepts');
    }
  }

  #allocatePacketId(): number {
    // 1..65535, skipping IDs still in flight (at most maxInflight of them).
    for (;;) {
      const id = this.#nextPacketId;
      this.#nextPacketId = id === 65535 ? 1 : id + 1;
      if (!this.#inflight.has(id)) return id;
    }
  }

  #drop(why: string): void {
    this.#dropped++;
    // Logged once per session, then counted: a slow client must not flood the log.
    if (this.#dropped === 1)
      this.#logger.info({ clientId: this.clientId, why }, 'MQTT message dropped (further drops are only counted)');
  }
}
