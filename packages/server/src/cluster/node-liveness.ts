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
  /** When this node first counted it alive (ms since the epoch). */
  since: number;
  /** When its last heartbeat came (ms since the epoch); `undefined` while only seen in the table. */
  lastHeartbeat: number | undefined;
}

/** Another node as this one sees it (`interchange.cluster.nodes`). */
export interface LiveNode {
  readonly node: string;
  /** When this node first counted it alive, in ms since the epoch. */
  readonly since: number;
  /** When its last heartbeat came, in ms since the epoch; `undefined` before the first. */
  readonly lastHeartbeat: number | undefined;
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

  /** The other nodes currently considered alive, with when they were first and last heard of. */
  liveNodes(): LiveNode[] {
    return [...this.#nodes].map(([node, { since, lastHeartbeat }]) => ({ node, since, lastHeartbeat }));
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
    this.#arm(node, incarnation, Date.now());
  }

  /** `node` appears in the registration table; it must show a heartbeat within the deadline. */
  seen(node: string): void {
    if (!this.#nodes.has(node)) this.#arm(node, undefined, undefined);
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
    for (const [node, tracked] of this.#nodes) this.#arm(node, tracked.incarnation, undefined);
  }

  close(): void {
    for (const tracked of this.#nodes.values()) clearTimeout(tracked.timer);
    this.#nodes.clear();
  }

  /** Starts (or restarts) the deadline of `node`; `heardAt` is the time of a heartbeat, if one came. */
  #arm(node: string, incarnation: string | undefined, heardAt: number | undefined): void {
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
    this.#nodes.set(node, {
      timer,
      incarnation: incarnation ?? tracked?.incarnation,
      since: tracked?.since ?? heardAt ?? Date.now(),
      lastHeartbeat: heardAt ?? tracked?.lastHeartbeat,
    });
  }

  #forget(node: string, tracked: Tracked): void {
    clearTimeout(tracked.timer);
    this.#nodes.delete(node);
  }
}
