/**
 * One flush per event-loop turn for every connection that has something to write (docs/architecture.md,
 * "How a message travels", step 5: one syscall per socket per tick).
 *
 * Connections collect their outgoing frames while the loop handles what arrived, and register
 * here on their first frame; a single `setImmediate` then flushes them all. `setImmediate` runs
 * after the poll phase has handled every socket that was readable, so frames caused by several
 * incoming messages (many CALLs for one callee, a burst of PUBLISHes for one subscriber) leave
 * in one write, and nothing is allocated per connection or per message to get there.
 */

/** Something with buffered frames to write out. */
export interface Flushable {
  /** Writes what is buffered. Must not throw. */
  flush(): void;
}

/** Schedules flushes; share one instance between all connections of a process. */
export class TickFlusher {
  #pending: Flushable[] = [];
  #spare: Flushable[] = [];
  #scheduled = false;
  readonly #run = (): void => this.flushNow();

  /**
   * Flushes `target` at the end of this loop turn. Call once per turn per target: on its first
   * buffered frame (a second call in the same turn flushes it twice, which is harmless).
   */
  schedule(target: Flushable): void {
    this.#pending.push(target);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#run);
    }
  }

  /** Flushes everything scheduled so far, now. */
  flushNow(): void {
    this.#scheduled = false;
    // Swap lists: a flush may schedule again (a write that closes a connection that then says
    // goodbye); those go to the next turn instead of growing the list being walked.
    const pending = this.#pending;
    this.#pending = this.#spare;
    for (let i = 0; i < pending.length; i++) pending[i]?.flush();
    // Popped, keeping the array's storage for the next turn (see OutboundQueue.clear).
    while (pending.length > 0) pending.pop();
    this.#spare = pending;
  }
}

/** The flusher connections use unless given another: one per process, like the event loop. */
export const sharedTickFlusher = new TickFlusher();
