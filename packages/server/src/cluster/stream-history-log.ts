import { EventHistoryLog, type EventHistoryStore, type FilterSubject, type StoredEvent } from '@interchange/router';

/**
 * One configured history on a cluster node: the last `limit` events of the history's JetStream
 * subject, as this node read them from the stream (cluster-history.ts). The broker's own
 * {@link append} is ignored: every node, the publishing one too, fills it from the stream, so
 * that every node holds the same events, in the stream's order, with the same times.
 */
export class StreamHistoryLog implements EventHistoryStore {
  readonly limit: number;
  #log: EventHistoryLog;

  constructor(limit: number) {
    this.limit = limit;
    this.#log = new EventHistoryLog(limit);
  }

  get size(): number {
    return this.#log.size;
  }

  /** Ignored: the publication's node wrote it to the stream, which feeds {@link fromStream}. */
  append(): void {}

  /** Adds the newest event read from the stream, dropping the oldest when full. */
  fromStream(event: StoredEvent): void {
    this.#log.append(event);
  }

  /** Forgets every event (the stream is read again from its start). */
  clear(): void {
    this.#log = new EventHistoryLog(this.limit);
  }

  visibleTo(subject: FilterSubject): StoredEvent[] {
    return this.#log.visibleTo(subject);
  }
}
