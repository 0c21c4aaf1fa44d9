/**
 * What a node is doing, read from its parts when asked: the routers' counters and realms, and
 * each listening transport's traffic. The metrics path (`node-metrics.ts`), the nodeinfo page
 * and `interchange status` all read through this one place; nothing here runs per message.
 */
import type { Router, RouterStats } from '@interchange/router';
import type { RunningTransport, TransportAddress } from '../node-transports.js';

/** One realm's figures, summed over the router workers that have a realm of that name. */
export interface RealmActivity {
  realm: string;
  sessions: number;
  subscriptions: number;
  registrations: number;
}

/** One listening transport's figures. */
export interface TransportActivity {
  /** The config's `id`, else `<worker index>/<transport index>`. */
  transport: string;
  type: TransportAddress['type'];
  bytesIn: number;
  bytesOut: number;
  connections: number;
  slowConsumerDroppedEvents: number;
  slowConsumerDroppedBytes: number;
  slowConsumerDisconnects: number;
}

/** The node's figures at one moment (the nodeinfo page's `activity`, and `interchange status`). */
export interface ActivitySnapshot {
  /** Established sessions, all realms. */
  sessions: number;
  /** Messages received and sent since start, all types. */
  messagesReceived: number;
  messagesSent: number;
  realms: RealmActivity[];
  transports: TransportActivity[];
  memory: { rss: number; heapUsed: number; heapTotal: number };
  /** Seconds since the process started. */
  uptime: number;
}

/** The label of a transport in metrics and snapshots. */
export function transportLabel(address: TransportAddress): string {
  return address.id ?? `${address.worker}/${address.transport}`;
}

function total(counts: Record<string, number>): number {
  let sum = 0;
  for (const value of Object.values(counts)) sum += value;
  return sum;
}

/** The parts of a running node that have figures; the node adds them as it starts them. */
export class NodeActivity {
  readonly #routers: Router[] = [];
  readonly #transports: RunningTransport[] = [];

  /** Adds a router worker's router. */
  addRouter(router: Router): void {
    this.#routers.push(router);
  }

  /** Adds a started transport. */
  addTransport(transport: RunningTransport): void {
    this.#transports.push(transport);
  }

  /** Each router's counters. */
  stats(): RouterStats[] {
    return this.#routers.map((router) => router.stats);
  }

  /** Each realm's figures, by name. */
  realms(): RealmActivity[] {
    const byName = new Map<string, RealmActivity>();
    for (const router of this.#routers) {
      for (const realm of router.realms()) {
        const entry = byName.get(realm.name) ?? { realm: realm.name, sessions: 0, subscriptions: 0, registrations: 0 };
        entry.sessions += realm.sessionCount;
        entry.subscriptions += realm.broker.subscriptionCount;
        entry.registrations += realm.dealer.registrationCount;
        byName.set(realm.name, entry);
      }
    }
    return [...byName.values()];
  }

  /** Each transport's figures. */
  transports(): TransportActivity[] {
    return this.#transports.map((running) => {
      const traffic = running.traffic();
      const activity: TransportActivity = {
        transport: transportLabel(running.address),
        type: running.address.type,
        bytesIn: traffic.bytesIn,
        bytesOut: traffic.bytesOut,
        connections: traffic.connections,
        slowConsumerDroppedEvents: 0,
        slowConsumerDroppedBytes: 0,
        slowConsumerDisconnects: 0,
      };
      for (const counters of running.slowConsumers()) {
        activity.slowConsumerDroppedEvents += counters.droppedEvents;
        activity.slowConsumerDroppedBytes += counters.droppedBytes;
        activity.slowConsumerDisconnects += counters.disconnects;
      }
      return activity;
    });
  }

  /** Everything at once. */
  snapshot(): ActivitySnapshot {
    const stats = this.stats();
    const memory = process.memoryUsage();
    return {
      sessions: this.#routers.reduce((sum, router) => sum + router.sessionCount, 0),
      messagesReceived: stats.reduce((sum, s) => sum + total(s.receivedCounts()), 0),
      messagesSent: stats.reduce((sum, s) => sum + total(s.sentCounts()), 0),
      realms: this.realms(),
      transports: this.transports(),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
      uptime: process.uptime(),
    };
  }
}
