import { createHash } from 'node:crypto';
import type { Id } from '@interchange/protocol';
import type { EventHistoryEntry } from '@interchange/router';
import {
  DiscardPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { subjectToken } from './subject-tokens.js';

/**
 * Where a realm's event histories live on NATS (docs/scaling.md, "Event history"): one JetStream
 * stream per realm, `<name>_history_<realm token>`, in file storage, with one subject per
 * configured `event-history` entry, `<name>.hist.<realm token>.<entry key>`. Each message is one
 * publication's cluster envelope (cluster-pubsub.ts), written once by the node it was published
 * on; every node reads the stream.
 *
 * Bounded by the config: the stream keeps at most the largest `limit` of the realm's entries per
 * subject (JetStream's `max_msgs_per_subject`, dropping the oldest), and each node keeps each
 * entry's own `limit` of what it reads.
 */

/** The stream of a realm's histories. */
export function historyStreamName(cluster: string, realm: string): string {
  return `${cluster}_history_${subjectToken(realm)}`;
}

/** The subjects of a realm's histories: `<name>.hist.<realm token>`, then the entry key. */
export function historySubjectBase(cluster: string, realm: string): string {
  return `${cluster}.hist.${subjectToken(realm)}`;
}

/**
 * The subject token of an `event-history` entry: a hash of its match policy and URI, so that
 * entries keep their messages when the config lists them in another order.
 */
export function historyEntryKey(entry: EventHistoryEntry): string {
  return createHash('sha256').update(`${entry.match}\n${entry.uri}`).digest('hex').slice(0, 16);
}

/**
 * The subscription ID of an entry's history, the same on every node of the cluster and across
 * restarts, so that `wamp.subscription.get_events` takes the ID any node gave (WAMP IDs are
 * integers from 1 to 2^53; 48 bits of a hash, plus one).
 */
export function historySubscriptionId(cluster: string, realm: string, entry: EventHistoryEntry): Id {
  const digest = createHash('sha256').update(`${cluster}\n${realm}\n${entry.match}\n${entry.uri}`).digest();
  return digest.readUIntBE(0, 6) + 1;
}

/**
 * Creates the stream of a realm's histories, or updates its per-subject bound when the config's
 * largest `limit` changed. Three replicas on a NATS cluster of three servers or more, one
 * otherwise, as for the buckets (nats-connect.ts).
 *
 * @returns whether the stream was created now (it holds nothing yet).
 * @throws whatever JetStream answers when the stream can be neither created nor updated.
 */
export async function ensureHistoryStream(
  jsm: JetStreamManager,
  cluster: string,
  realm: string,
  entries: readonly EventHistoryEntry[],
): Promise<boolean> {
  const name = historyStreamName(cluster, realm);
  const perSubject = Math.max(...entries.map((entry) => entry.limit));
  const existing = await jsm.streams.info(name).catch((error: unknown) => {
    if (isStreamNotFound(error)) return undefined;
    throw error;
  });
  if (existing !== undefined) {
    if (existing.config.max_msgs_per_subject !== perSubject) {
      await jsm.streams.update(name, { ...existing.config, max_msgs_per_subject: perSubject });
    }
    return false;
  }
  const config: Partial<StreamConfig> & { name: string } = {
    name,
    subjects: [`${historySubjectBase(cluster, realm)}.*`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_msgs_per_subject: perSubject,
  };
  try {
    await jsm.streams.add({ ...config, num_replicas: 3 });
  } catch {
    // A single server (or a cluster of two) refuses three replicas.
    await jsm.streams.add({ ...config, num_replicas: 1 });
  }
  return true;
}

function isStreamNotFound(error: unknown): boolean {
  const api = (error as { api_error?: { err_code?: number } } | undefined)?.api_error;
  // JetStream's error code 10059: "stream not found".
  return api?.err_code === 10059 || String(error).includes('stream not found');
}
