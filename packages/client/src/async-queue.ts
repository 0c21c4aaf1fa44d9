import { InvalidArgumentError } from '@interchange/protocol';

/**
 * A bounded single-consumer queue that is also an `AsyncIterable`: the buffer between the
 * session's message loop (which must never block) and a `for await` loop in application code.
 *
 * When the consumer falls behind and the buffer is full, the oldest item is dropped and counted:
 * the message loop keeps running and memory stays bounded (docs/architecture.md, "Contracts
 * the code relies on"). Subscriptions use it for events; progressive calls for partial results.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #capacity: number;
  readonly #onReturn: (() => void) | undefined;
  readonly #onDrop: ((dropped: number) => void) | undefined;
  #items: T[] = [];
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: unknown = undefined;
  #failed = false;
  #iterating = false;
  #dropped = 0;

  /**
   * @param capacity the most items kept while nobody reads; at least 1.
   * @param hooks `onReturn` runs when the consumer stops early (`break` out of `for await`);
   *   `onDrop` runs each time an item is dropped, with the running count.
   */
  constructor(capacity: number, hooks: { onReturn?: () => void; onDrop?: (dropped: number) => void } = {}) {
    this.#capacity = Math.max(1, Math.floor(capacity));
    this.#onReturn = hooks.onReturn;
    this.#onDrop = hooks.onDrop;
  }

  /** How many items were dropped because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** How many items are buffered, waiting for the consumer. */
  get size(): number {
    return this.#items.length;
  }

  /** Whether no more items will be accepted. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Hands an item to the waiting consumer, or buffers it. Ignored once ended. */
  push(item: T): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.#items.length >= this.#capacity) {
      this.#items.shift();
      this.#dropped += 1;
      this.#onDrop?.(this.#dropped);
    }
    this.#items.push(item);
  }

  /** Ends the stream: the consumer drains what is buffered, then the loop finishes. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#settleWaiter();
  }

  /** Ends the stream with an error: the consumer drains what is buffered, then `error` is thrown. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failed = true;
    this.#error = error;
    this.#settleWaiter();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterating) {
      throw new InvalidArgumentError('this stream has a consumer already; it can be iterated once');
    }
    this.#iterating = true;
    return {
      next: () => this.#next(),
      return: () => {
        const wasEnded = this.#ended;
        this.#items = [];
        this.end();
        if (!wasEnded) this.#onReturn?.();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #next(): Promise<IteratorResult<T>> {
    if (this.#items.length > 0) {
      return Promise.resolve({ value: this.#items.shift() as T, done: false });
    }
    if (this.#ended) {
      if (this.#failed) {
        this.#failed = false; // throw once; later calls report done, like a finished generator
        return Promise.reject(this.#error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (this.#failed) {
      this.#failed = false;
      waiter.reject(this.#error);
    } else {
      waiter.resolve({ value: undefined, done: true });
    }
  }
}
