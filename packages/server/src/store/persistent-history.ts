import type { EventHistoryStore, FilterSubject, StoredEvent } from '@interchange/router';

/** A history event with the store's sequence number (its key on disk) and what it costs there. */
export interface NumberedEvent {
  readonly seq: number;
  readonly cost: number;
  readonly event: StoredEvent;
}

/**
 * The history of one configured subscription in a persistent store: the last `limit` events,
 * oldest first, in a ring, each with the sequence number it is written under. Appends go
 * through the store (`onAppend`), which writes the event and deletes the one that falls out.
 */
export class PersistentHistory implements EventHistoryStore {
  readonly limit: number;
  /** `match:uri` of the configured entry: the key its records carry. */
  readonly key: string;
  readonly #ring: (NumberedEvent | undefined)[];
  readonly #onAppend: (history: PersistentHistory, event: StoredEvent) => void;
  #start = 0;
  #size = 0;

  constructor(key: string, limit: number, onAppend: (history: PersistentHistory, event: StoredEvent) => void) {
    this.key = key;
    this.limit = limit;
    this.#ring = new Array<NumberedEvent | undefined>(limit);
    this.#onAppend = onAppend;
  }

  get size(): number {
    return this.#size;
  }

  append(event: StoredEvent): void {
    this.#onAppend(this, event);
  }

  /** Adds a numbered event at the end; returns the one that fell out of a full ring. */
  push(numbered: NumberedEvent): NumberedEvent | undefined {
    const end = (this.#start + this.#size) % this.limit;
    const dropped = this.#size === this.limit ? this.#ring[end] : undefined;
    this.#ring[end] = numbered;
    if (this.#size < this.limit) this.#size++;
    else this.#start = (this.#start + 1) % this.limit;
    return dropped;
  }

  /** Removes and returns the oldest event (a full store evicting). */
  shift(): NumberedEvent | undefined {
    if (this.#size === 0) return undefined;
    const oldest = this.#ring[this.#start];
    this.#ring[this.#start] = undefined;
    this.#start = (this.#start + 1) % this.limit;
    this.#size--;
    return oldest;
  }

  visibleTo(subject: FilterSubject): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (let i = 0; i < this.#size; i++) {
      const { event } = this.#ring[(this.#start + i) % this.limit] as NumberedEvent;
      if (event.filter === undefined || event.filter(subject)) out.push(event);
    }
    return out;
  }
}
