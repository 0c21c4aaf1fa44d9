/** Options of {@link NodeLiveness}. */
export interface NodeLivenessOptions {
  /** A node not heard of for this long is dead (ms). */
  deadNodeMs: number;
  /** A node died, left, or came back as a new process (its earlier state is gone). */
  onDead(node: string): void;
  /** A node was heard of for the first time (or again after it was declared dead). */
  onJoin(node: string): void;
}

interface Tracked {
  timer: ReturnType<typeof setTimeout>;
  /** The process incarnation of its heartbeats; `undefined` while only seen in the table. */
  incarnation: string | undefined;
}

/**
 * Which other nodes are alive, from their heartbeats (docs/scaling.md, "Liveness"). Each node
 * has a deadline, reset by each heartbeat; at the deadline it is dead.
 * A node known only from the registration table (seen before any heartbeat, e.g. at start)
 * gets a deadline too, so the entries of a node that died while nobody watched are purged.
 */
export class NodeLiveness {
  readonly #options: NodeLivenessOptions;
  readonly #nodes = new Map<string, Tracked>();

  constructor(options: NodeLivenessOptions) {
    this.#options = options;
  }

  /** Whether a node is currently considered alive. */
  isAlive(node: string): boolean {
    return this.#nodes.has(node);
  }

  /** The other nodes currently considered alive. */
  aliveNodes(): string[] {
    return [...this.#nodes.keys()];
  }

  /** How many other nodes are currently considered alive. */
  aliveCount(): number {
    return this.#nodes.size;
  }

  /** A heartbeat of `node`, from the process `incarnation`. */
  heartbeat(node: string, incarnation: string): void {
    const tracked = this.#nodes.get(node);
    if (tracked !== undefined && tracked.incarnation !== undefined && tracked.incarnation !== incarnation) {
      // The same node ID, a new process: everything the old one held is gone.
      this.#forget(node, tracked);
      this.#options.onDead(node);
    }
    this.#arm(node, incarnation);
  }

  /** `node` appears in the registration table; it must show a heartbeat within the deadline. */
  seen(node: string): void {
    if (!this.#nodes.has(node)) this.#arm(node, undefined);
  }

  /** `node` said goodbye. */
  left(node: string): void {
    const tracked = this.#nodes.get(node);
    if (tracked === undefined) return;
    this.#forget(node, tracked);
    this.#options.onDead(node);
  }

  /**
   * This node lost its own connection: it hears nobody, which says nothing of the others. The
   * deadlines stop until {@link resume}.
   */
  pause(): void {
    for (const tracked of this.#nodes.values()) clearTimeout(tracked.timer);
  }

  /** The connection is back: every known node gets a full deadline again. */
  resume(): void {
    for (const [node, tracked] of this.#nodes) this.#arm(node, tracked.incarnation);
  }

  close(): void {
    for (const tracked of this.#nodes.values()) clearTimeout(tracked.timer);
    this.#nodes.clear();
  }

  #arm(node: string, incarnation: string | undefined): void {
    const tracked = this.#nodes.get(node);
    if (tracked !== undefined) clearTimeout(tracked.timer);
    else this.#options.onJoin(node);
    const timer = setTimeout(() => {
      const current = this.#nodes.get(node);
      if (current === undefined) return;
      this.#forget(node, current);
      this.#options.onDead(node);
    }, this.#options.deadNodeMs);
    timer.unref();
    this.#nodes.set(node, { timer, incarnation: incarnation ?? tracked?.incarnation });
  }

  #forget(node: string, tracked: Tracked): void {
    clearTimeout(tracked.timer);
    this.#nodes.delete(node);
  }
}
